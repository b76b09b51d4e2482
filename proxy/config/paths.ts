/**
 * Where Witness keeps its per-user data, following each OS's convention. The CA key lives
 * here, so the folder is machine-local (LOCALAPPDATA on Windows, not the roaming profile).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (env.WITNESS_DATA_DIR) return env.WITNESS_DATA_DIR;
  switch (platform) {
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'Witness');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Witness');
    default:
      return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'witness');
  }
}

/** Files inside a data dir. One place, so the CLI, the engine and the shell agree. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    config: join(dataDir, 'config.json'),
    control: join(dataDir, 'control.json'),
    caDir: join(dataDir, 'ca'),
  };
}
