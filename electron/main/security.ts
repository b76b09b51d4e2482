/**
 * Applies the shell's security rules (core/security-policy.ts) to Electron in one place:
 * one `web-contents-created` hook gives every webContents, including ones created later,
 * the navigation, window-open and webview rules; the session refuses every permission but
 * loopback access for the app's own pages, and every device request.
 */
import type { App, Session } from 'electron';
import { navigationAllowed, permissionAllowed } from '../core/index.js';

export interface SecurityLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export function guardWebContents(app: App, log: SecurityLog): void {
  app.on('web-contents-created', (_event, contents) => {
    const blockUnlessApp = (e: { preventDefault(): void; url: string }) => {
      if (navigationAllowed(e.url)) return;
      e.preventDefault();
      log.warn('blocked a navigation away from the app', { to: safeOrigin(e.url) });
    };
    contents.on('will-navigate', (e) => blockUnlessApp(e));
    contents.on('will-frame-navigate', (e) => blockUnlessApp(e));
    contents.on('will-redirect', (e) => blockUnlessApp(e));
    contents.on('will-attach-webview', (e) => {
      e.preventDefault();
      log.warn('blocked a <webview>');
    });
    contents.setWindowOpenHandler(({ url }) => {
      log.warn('blocked a new window', { to: safeOrigin(url) });
      return { action: 'deny' };
    });
  });
}

export function guardSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionAllowed(permission, details.requestingUrl)));
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) => permissionAllowed(permission, details.requestingUrl ?? requestingOrigin));
  session.setDevicePermissionHandler(() => false);
}

/** Logs name where a blocked URL pointed, never its path or query (they may carry data). */
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unparsable)';
  }
}
