/**
 * Start at login per OS: Electron's login items on macOS and Windows, an XDG autostart
 * entry on Linux (core/autostart.ts). Whether it is on is decided elsewhere.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import type { App } from 'electron';
import { applyLinuxAutostart, AUTOSTART_ARG, linuxAutostartEntry, linuxAutostartPath } from '../core/index.js';

export interface LoginItem {
  supported: boolean;
  set(enabled: boolean): void;
  /** This run was started by the login item. */
  startedAtLogin(argv: readonly string[]): boolean;
}

export function loginItem(app: App, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): LoginItem {
  if (platform === 'darwin' || platform === 'win32') {
    return {
      supported: true,
      set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: [AUTOSTART_ARG] }),
      // macOS drops login-item arguments; it says instead whether it opened the app at login.
      startedAtLogin: (argv) => argv.includes(AUTOSTART_ARG) || (platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin),
    };
  }
  if (platform === 'linux') {
    const file = linuxAutostartPath(env, homedir());
    return {
      supported: true,
      set: (enabled) =>
        applyLinuxAutostart(enabled, file, linuxAutostartEntry(process.execPath, env), {
          exists: existsSync,
          write: (f, text) => {
            mkdirSync(dirname(f), { recursive: true });
            writeFileSync(f, text, { mode: 0o644 });
          },
          remove: (f) => rmSync(f, { force: true }),
        }),
      startedAtLogin: (argv) => argv.includes(AUTOSTART_ARG),
    };
  }
  return { supported: false, set: () => undefined, startedAtLogin: () => false };
}
