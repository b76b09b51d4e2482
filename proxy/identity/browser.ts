/**
 * Opening the system browser for sign-in: $BROWSER when set (the convention xdg-open and most
 * tools follow), else the platform opener — xdg-open (Linux/BSD), open (macOS), or
 * rundll32 url.dll (Windows: no cmd.exe, so "&" in the URL is not a command separator).
 * Fire and forget: the caller always prints the URL too, in case nothing opens.
 */
import { spawn } from 'node:child_process';

export type BrowserOpener = (url: string) => Promise<boolean>;

export function openerCommand(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32.exe', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/** Resolves true once the opener started, false if it could not be started (no desktop, not installed). */
export const systemBrowser: BrowserOpener = (url) =>
  new Promise((resolve) => {
    const [cmd, args] = openerCommand(url);
    try {
      const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
