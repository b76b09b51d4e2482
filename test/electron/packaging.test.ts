/**
 * Packaging, as far as it can go without the Electron binary: the desktop app built from a
 * fresh copy of the sources (nothing in the working tree is touched, so tests running
 * beside this one keep their build) into the `--linux dir` target around a placeholder
 * Electron, plus the deb target with an fpm stand-in to capture the .desktop file and the
 * post-install script. Then: what is in app.asar and what is not, the packaged
 * package.json, and the packaged engine really starting from the packaged files.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import asar from '@electron/asar';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDesktop } from '../../build/build-desktop.js';
import { ELECTRON_VERSION } from '../../build/electron-version.js';
import { packageApp } from '../../build/package.js';
import { APP_ID, EXECUTABLE_NAME } from '../../electron/core/app-identity.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FPM = fileURLToPath(new URL('./fixtures/fpm-stand-in.mjs', import.meta.url));
const run = promisify(execFile);

let stage: string;
let release: string;
let capture: string;
let files: string[];
let asarPath: string;

beforeAll(async () => {
  stage = mkdtempSync(join(tmpdir(), 'witness-package-'));
  release = join(stage, 'release');
  capture = join(stage, 'fpm');
  // Fresh builds of the engine, the UI and the shell, outside the working tree.
  const dist = join(stage, 'dist');
  const rendererDist = join(stage, 'renderer-dist');
  await run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json'), '--outDir', dist, '--sourceMap', 'false']);
  await viteBuild({ configFile: join(REPO, 'renderer/vite.config.ts'), logLevel: 'error', build: { outDir: rendererDist, emptyOutDir: true } });
  await buildDesktop(REPO, join(dist, 'electron'));
  process.env.CUSTOM_FPM_PATH = FPM;
  process.env.FPM_CAPTURE_DIR = capture;
  await packageApp({
    inputs: { dist, rendererDist },
    outDir: release,
    placeholderDir: join(stage, 'placeholder-electron'),
    linux: ['dir', 'deb'],
    placeholder: true,
    env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
  });
  asarPath = join(release, 'linux-unpacked', 'resources', 'app.asar');
  files = asar.listPackage(asarPath, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
}, 300_000);

afterAll(() => {
  if (stage) rmSync(stage, { recursive: true, force: true });
});

describe('the --linux dir build (placeholder Electron)', () => {
  it('puts the unpacked app in release/linux-unpacked with the Linux executable name', () => {
    // The placeholder distribution names the Electron build/electron-version.ts names.
    expect(readFileSync(join(release, 'linux-unpacked', 'version'), 'utf8')).toBe(ELECTRON_VERSION);
    expect(() => readFileSync(join(release, 'linux-unpacked', EXECUTABLE_NAME))).not.toThrow();
  });

  it('packs the main process, the preload, the UI, the tray icons and the engine into app.asar', () => {
    for (const f of [
      '/package.json',
      '/dist/electron/main/index.js',
      '/dist/electron/preload/preload.cjs',
      '/renderer/dist/index.html',
      '/electron/assets/tray-running.png',
      '/electron/assets/tray-engine-downTemplate@2x.png',
      '/bin/witness.js',
      '/dist/proxy/cli.js',
      '/dist/proxy/engine.js',
      '/node_modules/mockttp/package.json',
      '/node_modules/zod/package.json',
      // The audit store's SQLite: its wasm must ship next to its loader.
      '/node_modules/sql.js/dist/sql-wasm.js',
      '/node_modules/sql.js/dist/sql-wasm.wasm',
    ]) {
      expect(files, f).toContain(f);
    }
    // The window's bundle (the console's is served by witness-server, not the desktop app).
    expect(files.some((f) => /^\/renderer\/dist\/assets\/window-[\w-]+\.js$/.test(f))).toBe(true);
  });

  it('leaves out sources, tests, source maps, type declarations and dev tools', () => {
    const bad = files.filter(
      (f) =>
        /\.(map|ts|tsx|mts|cts)$/.test(f) ||
        /^\/(proxy|test|renderer\/src|electron\/(main|core|preload)|build|scripts|bench|\.ci|docs)(\/|$)/.test(f) ||
        /^\/node_modules\/(electron|electron-builder|app-builder-lib|vite|vitest|typescript|eslint|playwright-core|tsx|@types|react|react-dom)(\/|$)/.test(f) ||
        /\/(tsconfig[^/]*\.json|eslint\.config\.[a-z]+|vitest\.config\.[a-z]+)$/.test(f),
    );
    expect(bad).toEqual([]);
  });

  it('writes a packaged package.json that starts the shell and carries no dev metadata', () => {
    const pkg = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'witness', type: 'module', main: 'dist/electron/main/index.js' });
    expect(pkg.version).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(pkg).not.toHaveProperty('scripts');
  });

  it('runs the packaged engine from the packaged files alone', async () => {
    const app = join(stage, 'extracted');
    asar.extractAll(asarPath, app);
    const dataDir = join(stage, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ proxy: { port: 0 } }));
    const env = { ...process.env, WITNESS_FROM_SOURCE: '' };
    const child = spawn(process.execPath, [join(app, 'bin', 'witness.js'), 'start', '--json', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => l.startsWith('{') && resolve(JSON.parse(l)));
      child.on('exit', (code) => reject(new Error(`engine exited ${code}: ${stderr}`)));
    });
    expect(started).toMatchObject({ event: 'started', dataDir });
    // Served from the packaged UI build: the engine found renderer/dist in the bundle.
    const control = JSON.parse(readFileSync(join(dataDir, 'control.json'), 'utf8')) as { url: string; token: string };
    const status = await fetch(`${control.url}/api/v1/status`, { headers: { authorization: `Bearer ${control.token}` } });
    expect(status.status).toBe(200);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('the deb package (fpm stand-in)', () => {
  const args = () => JSON.parse(readFileSync(join(capture, 'deb', 'args.json'), 'utf8')) as string[];

  it('installs to /opt/Witness with the .desktop entry and the icon', () => {
    const a = args();
    expect(a).toContain(`${join(release, 'linux-unpacked')}/=/opt/Witness`);
    expect(a.some((x) => x.endsWith(`=/usr/share/applications/${EXECUTABLE_NAME}.desktop`))).toBe(true);
    expect(a.some((x) => x.endsWith(`=/usr/share/icons/hicolor/512x512/apps/${EXECUTABLE_NAME}.png`))).toBe(true);
    expect(a[a.indexOf('--name') + 1]).toBe(EXECUTABLE_NAME);
    for (const dep of ['libgtk-3-0', 'libnotify4', 'libnss3', 'libsecret-1-0', 'xdg-utils']) expect(a).toContain(dep);
  });

  it('has a .desktop file that starts the app and names it for the desktop', () => {
    const entry = readFileSync(join(capture, 'deb', 'entry.desktop'), 'utf8');
    expect(entry).toMatch(/^\[Desktop Entry\]$/m);
    expect(entry).toMatch(/^Name=Witness$/m);
    expect(entry).toMatch(new RegExp(`^Exec="?/opt/Witness/${EXECUTABLE_NAME}"? %U$`, 'm'));
    expect(entry).toMatch(new RegExp(`^Icon=${EXECUTABLE_NAME}$`, 'm'));
    expect(entry).toMatch(/^Categories=Development;Security;$/m);
    expect(entry).toMatch(/^StartupWMClass=Witness$/m);
    expect(entry).toMatch(/^Terminal=false$/m);
  });

  it('has a post-install script that links the executable and sets up the Chromium sandbox', () => {
    const script = readFileSync(join(capture, 'deb', 'after-install.sh'), 'utf8');
    expect(script).toContain(`/opt/Witness/${EXECUTABLE_NAME}`);
    expect(script).toMatch(/update-alternatives --install '\/usr\/bin\/witness-desktop'|ln -sf '\/opt\/Witness\/witness-desktop' '\/usr\/bin\/witness-desktop'/);
    expect(script).toContain('chrome-sandbox');
    expect(script).toContain('update-desktop-database');
    expect(script).not.toMatch(/\$\{[a-zA-Z]+\}/); // every template variable filled in
  });

  it('names the app id the OS and IT see', () => {
    expect(APP_ID).toBe('com.witness.desktop');
  });
});
