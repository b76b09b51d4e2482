/**
 * Where each client keeps the settings Witness sets up, and where setup keeps its own
 * files. One place, so `witness setup` and `witness doctor` look at the same files.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { HostEnv } from './host.js';

export interface SettingsFile {
  /** "VS Code", "VS Code Insiders", "VS Code Server (remote)", … */
  label: string;
  file: string;
}

const PRODUCTS: Array<[dir: string, label: string]> = [
  ['Code', 'VS Code'],
  ['Code - Insiders', 'VS Code Insiders'],
  ['VSCodium', 'VSCodium'],
];

const SERVERS: Array<[dir: string, label: string]> = [
  ['.vscode-server', 'VS Code Server (Remote/WSL)'],
  ['.vscode-server-insiders', 'VS Code Insiders Server (Remote/WSL)'],
  ['.vscodium-server', 'VSCodium Server (Remote/WSL)'],
  ['.vscode-remote', 'VS Code Remote (older layout)'],
];

function configBase(h: HostEnv): string {
  if (h.platform === 'darwin') return join(h.home, 'Library', 'Application Support');
  if (h.platform === 'win32') return h.env.APPDATA ?? join(h.home, 'AppData', 'Roaming');
  return h.env.XDG_CONFIG_HOME || join(h.home, '.config');
}

/** Every installed VS Code flavour's user settings.json (the folder exists; the file may not yet). */
export function vscodeUserSettings(h: HostEnv): SettingsFile[] {
  const base = configBase(h);
  return PRODUCTS.filter(([dir]) => existsSync(join(base, dir))).map(([dir, label]) => ({ label, file: join(base, dir, 'User', 'settings.json') }));
}

/** The machine settings of each VS Code server on this machine (Remote-SSH, WSL, tunnels). */
export function vscodeRemoteSettings(h: HostEnv): SettingsFile[] {
  return SERVERS.filter(([dir]) => existsSync(join(h.home, dir, 'data'))).map(([dir, label]) => ({
    label,
    file: join(h.home, dir, 'data', 'Machine', 'settings.json'),
  }));
}

/** Where setup would look for VS Code (for "not found" messages). */
export function vscodeSearchedPlaces(h: HostEnv): string[] {
  const base = configBase(h);
  return [...PRODUCTS.map(([dir]) => join(base, dir)), ...SERVERS.map(([dir]) => join(h.home, dir))];
}

/** The user's NSS database (Chrome and Chromium on Linux). */
export function nssDbDir(h: HostEnv): string {
  return join(h.home, '.pki', 'nssdb');
}

/** The startup file of the user's shell, where setup adds its marked blocks. */
export function shellRcFile(h: HostEnv): { file: string; shell: string } {
  const shell = basename(h.env.SHELL ?? '');
  if (shell === 'zsh') return { file: join(h.env.ZDOTDIR || h.home, '.zshrc'), shell };
  if (shell === 'bash') return { file: join(h.home, '.bashrc'), shell };
  return { file: join(h.home, '.profile'), shell: shell || 'sh' };
}

/** Files setup writes for itself, inside the data dir. */
export function setupPaths(dataDir: string) {
  const dir = join(dataDir, 'setup');
  return {
    dir,
    /** The Witness root(s), one certificate per file (NSS and `security` read only the first). */
    caPem: (i: number) => join(dir, i === 0 ? 'witness-ca.pem' : `witness-ca-${i + 1}.pem`),
    /** The maintained NODE_EXTRA_CA_CERTS bundle: the previous contents + the Witness root(s). */
    nodeBundle: join(dir, 'node-extra-ca-certs.pem'),
    /** KEY=value lines for the Copilot CLI (env files, systemd, docker --env-file). */
    cliEnv: join(dir, 'copilot-cli.env'),
    backups: join(dir, 'backups'),
  };
}
