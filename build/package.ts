/**
 * `npm run package` (installers for this OS) and `npm run package:dir` (the unpacked Linux
 * app in release/linux-unpacked/). Builds with the real Electron when it is available
 * (electron-builder downloads it: ELECTRON_VERSION), and around a placeholder
 * distribution where it cannot be downloaded, saying so. Release signing: --release.
 *   tsx build/package.ts [--linux dir|deb|rpm|AppImage ...] [--release | --smoke] [--placeholder] [--out DIR]
 * Run after `npm run build` and `npm run build:desktop` (the npm scripts do).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, Platform, type Configuration } from 'electron-builder';
import { builderConfig, type BuildMode } from './electron-builder.config.js';
import { ELECTRON_VERSION } from './electron-version.js';
import { createPlaceholderElectron, PLACEHOLDER_NOTICE } from './placeholder-electron.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface PackageOptions {
  /** Linux targets to build ("dir" for release/linux-unpacked/); default: this OS's installers. */
  linux?: string[];
  release?: boolean;
  /** An unpacked build of this OS for the release workflow's Playwright smoke test. */
  smoke?: boolean;
  /** Package around a placeholder Electron (no download). Default: when no real Electron is at hand. */
  placeholder?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where release/ goes (tests build elsewhere). */
  outDir?: string;
  /** Where the builds are (default: dist/ and renderer/dist/ in the repository; tests build elsewhere). */
  inputs?: { dist: string; rendererDist: string };
  /** Where the placeholder Electron distribution is made. */
  placeholderDir?: string;
}

export async function packageApp(opts: PackageOptions): Promise<string[]> {
  const env = opts.env ?? process.env;
  const root = repoRoot;
  const inputs = opts.inputs ?? { dist: join(root, 'dist'), rendererDist: join(root, 'renderer', 'dist') };
  for (const f of [join(inputs.dist, 'proxy/cli.js'), join(inputs.dist, 'electron/main/index.js'), join(inputs.dist, 'electron/preload/preload.cjs'), join(inputs.rendererDist, 'index.html')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build && npm run build:desktop\` first.`);
  }
  const placeholder = opts.placeholder ?? (env.WITNESS_ELECTRON_PLACEHOLDER ? env.WITNESS_ELECTRON_PLACEHOLDER === '1' : !(await electronDownloadable()));
  if (placeholder && opts.release) throw new Error('A release needs the real Electron: it cannot be built around a placeholder.');
  if (placeholder && opts.smoke) throw new Error('The smoke test runs the app: it needs the real Electron.');
  const mode: BuildMode = placeholder ? 'placeholder' : opts.release ? 'release' : opts.smoke ? 'smoke' : 'unsigned';
  const electronDist = placeholder ? createPlaceholderElectron(opts.placeholderDir ?? join(root, '.scratch', 'placeholder-electron'), ELECTRON_VERSION) : undefined;
  if (placeholder) process.stderr.write(`witness package: ${PLACEHOLDER_NOTICE}\n`);
  const base = builderConfig({ mode, env, inputs, ...(electronDist ? { electronDist } : {}) });
  const config: Configuration = {
    ...base,
    ...(opts.outDir ? { directories: { ...base.directories, output: opts.outDir } } : {}),
  };
  // electron-builder reads this from the process: only a release looks for a signing identity.
  if (!opts.release) process.env.CSC_IDENTITY_AUTO_DISCOVERY ??= 'false';
  return build({
    projectDir: root,
    config,
    ...(opts.linux ? { targets: Platform.LINUX.createTarget(opts.linux) } : opts.smoke ? { targets: Platform.current().createTarget('dir') } : {}),
    publish: 'never',
  });
}

/** Whether electron-builder could download Electron from GitHub here (5 s to answer). */
async function electronDownloadable(): Promise<boolean> {
  try {
    const res = await fetch(`https://github.com/electron/electron/releases/tag/v${ELECTRON_VERSION}`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

function parseArgs(argv: string[]): PackageOptions {
  const opts: PackageOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--release') opts.release = true;
    else if (a === '--placeholder') opts.placeholder = true;
    else if (a === '--smoke') opts.smoke = true;
    else if (a === '--out') opts.outDir = argv[++i];
    else if (a === '--linux') {
      const targets: string[] = [];
      while (argv[i + 1] && !argv[i + 1]!.startsWith('--')) targets.push(argv[++i]!);
      opts.linux = targets.length ? targets : ['deb', 'rpm', 'AppImage'];
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  packageApp(parseArgs(process.argv.slice(2))).then(
    (artifacts) => process.stdout.write(`${artifacts.length ? artifacts.join('\n') : 'release/'}\n`),
    (e: Error) => {
      process.stderr.write(`witness package: ${e.message}\n`);
      process.exit(1);
    },
  );
}
