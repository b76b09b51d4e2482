/**
 * How the person at this terminal runs `witness`, so printed commands work as printed:
 * "witness" when that name on PATH is this launcher (npm link, a global install), else
 * "npx witness" inside this package's folder (a clone), else `node /path/bin/witness.js`.
 */
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's bin/witness.js, whether running from sources or from dist/. */
export function launcherPath(): string {
  // proxy/cli/ (sources) or dist/proxy/cli/ (built): find the package's bin/witness.js upwards.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'bin', 'witness.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'witness.js');
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.CMD;.EXE').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const file = join(dir, name + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

export function cliInvocation(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const launcher = launcherPath();
  const found = onPath('witness', env);
  if (found) {
    try {
      if (realpathSync(found) === realpathSync(launcher)) return 'witness';
    } catch {
      // a dangling link is not this launcher
    }
  }
  const pkgDir = dirname(dirname(launcher));
  const here = resolve(cwd);
  if (here === resolve(pkgDir) || here.startsWith(resolve(pkgDir) + sep)) return 'npx witness';
  return `node ${JSON.stringify(launcher)}`;
}
