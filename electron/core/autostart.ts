/**
 * Start at login: on by default for each user (opt-out), unless IT's managed policy
 * (`desktop.startAtLogin`: "always" / "never") decides, in which case the tray shows the
 * setting as locked. macOS and Windows keep it as a login item (the glue calls Electron);
 * Linux has no such API, so it is an XDG autostart entry written here.
 */
import { join } from 'node:path';

export type StartAtLoginPolicy = 'user' | 'always' | 'never';

/** The flag the login item passes, so a start at login stays in the tray without a window. */
export const AUTOSTART_ARG = '--autostart';

export interface StartAtLoginState {
  enabled: boolean;
  locked: boolean;
}

/**
 * @param policy the effective policy value
 * @param enforced the value comes from a managed (IT) or central layer
 * @param userChoice what this user picked in the tray, if ever
 */
export function startAtLogin(policy: StartAtLoginPolicy, enforced: boolean, userChoice: boolean | undefined): StartAtLoginState {
  if (enforced && policy !== 'user') return { enabled: policy === 'always', locked: true };
  return { enabled: userChoice ?? policy !== 'never', locked: false };
}

export function linuxAutostartPath(env: NodeJS.ProcessEnv, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart', 'witness-desktop.desktop');
}

/**
 * The XDG autostart entry. An AppImage runs from a new mount point each time, so its own
 * path ($APPIMAGE) is what must be started, not the mounted executable.
 */
export function linuxAutostartEntry(execPath: string, env: NodeJS.ProcessEnv): string {
  const exec = env.APPIMAGE || execPath;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Witness',
    'Comment=Audits GitHub Copilot traffic on this machine',
    `Exec=${desktopExecQuote(exec)} ${AUTOSTART_ARG}`,
    'Icon=witness-desktop',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Desktop Entry spec: quote the program path and escape ", `, $ and \ inside the quotes. */
function desktopExecQuote(path: string): string {
  return `"${path.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

export interface AutostartFs {
  exists(file: string): boolean;
  write(file: string, text: string): void;
  remove(file: string): void;
}

/** Makes the Linux autostart entry match `enabled`. */
export function applyLinuxAutostart(enabled: boolean, file: string, entry: string, fs: AutostartFs): void {
  if (enabled) fs.write(file, entry);
  else if (fs.exists(file)) fs.remove(file);
}
