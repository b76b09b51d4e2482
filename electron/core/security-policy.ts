/**
 * The shell's security rules as plain decisions, in one place (Electron's security
 * checklist): which URLs are the app, what a page may navigate to or open, which
 * permissions a page gets, which IPC senders are trusted, and the Content-Security-Policy.
 * The glue applies them to every webContents through one hook; this file never touches
 * Electron, so each rule is tested on its own.
 */
import { DESKTOP_UI_ORIGIN } from '../../proxy/control/index.js';

/** The custom scheme the bundled UI is served on (never file://, never a remote origin). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'witness';
export const APP_ORIGIN = DESKTOP_UI_ORIGIN;

/**
 * Compares scheme and host, not URL.origin: for a non-special scheme like app://, the
 * WHATWG URL parser gives origin "null", which would silently refuse our own pages.
 */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '' && u.port === '';
  } catch {
    return false;
  }
}

/** A page may only go to another page of the app (a reload, a route); never anywhere else. */
export function navigationAllowed(target: string): boolean {
  return isAppUrl(target);
}

/**
 * Every permission is refused, except reaching the engine's loopback control API from the
 * app's own pages: Chromium's Local Network Access gates requests from a custom scheme to
 * 127.0.0.1 behind a permission ("local-network-access", split later into
 * "loopback-network" and "local-network"; only the loopback half is granted).
 */
const LOOPBACK_PERMISSIONS = new Set(['local-network-access', 'loopback-network']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return LOOPBACK_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl);
}

/** What the glue knows about an IPC message's sender frame. */
export interface SenderInfo {
  url: string;
  isMainFrame: boolean;
  destroyed: boolean;
  /** The sender's webContents is one of the windows the shell created. */
  ownWindow: boolean;
}

/** IPC is answered only for the app's own top-level pages in the shell's own windows. */
export function senderTrusted(s: SenderInfo | null): boolean {
  return s !== null && !s.destroyed && s.isMainFrame && s.ownWindow && isAppUrl(s.url);
}

/**
 * The UI's CSP, sent as a header with every page. Bundled scripts and styles only; the one
 * place data may go is the engine's control API on loopback (its port changes per run).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  'connect-src http://127.0.0.1:*',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** webPreferences for every window: Electron's secure defaults, stated so no edit can drop them. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
  } as const;
}
