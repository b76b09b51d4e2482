/**
 * The console's files: the browser app built by vite (renderer/dist, entry console.html),
 * served at `/` with a fallback to console.html for the app's own paths (/search, /fleet,
 * /callback …), and the one thing it needs before sign-in: where to sign in
 * (`GET /api/v1/console/config`). Strict CSP: bundled scripts and styles only; the one other
 * origin it may talk to is the identity provider's (the token endpoint, from the browser).
 * Never serves a file outside the built folder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from './config.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The built UI folder that holds console.html (from the sources or from dist/), or null when not built. */
export function consoleDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'renderer', 'dist');
    if (existsSync(join(candidate, 'console.html'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}

/** What the console asks before sign-in (public: no secret in it; the client is public). */
export interface ConsoleConfig {
  issuer: string | null;
  clientId: string | null;
  /** The resource indicator (RFC 8707) the access token must be issued for: oidc.audience. */
  audience: string | null;
  scope: string;
}

export function consoleConfig(config: Pick<ServerConfig, 'oidc'> & { console?: ServerConfig['console'] }): ConsoleConfig {
  return { issuer: config.oidc.issuer, clientId: config.console?.clientId ?? null, audience: config.oidc.audience, scope: config.console?.scope ?? 'openid profile email groups' };
}

function csp(issuer: string | null): string {
  const idp = issuer ? ` ${new URL(issuer).origin}` : '';
  return `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'${idp}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'${idp}; object-src 'none'`;
}

/**
 * Answers a GET outside /api/: a built file, or console.html for an app path (no dot in its
 * last segment); false when there is nothing to serve (the caller answers 404).
 */
export function serveConsole(dir: string, pathname: string, issuer: string | null, res: ServerResponse): boolean {
  const rel = pathname.replace(/^\/+/, '');
  let file = normalize(join(dir, rel));
  const inside = file.startsWith(normalize(dir + sep));
  if (!inside || !existsSync(file) || !statSync(file).isFile()) {
    if (/\.[a-z0-9]+$/i.test(rel)) return false;
    file = join(dir, 'console.html');
  }
  // The window's own entry is not the console's: it talks to a local engine.
  if (file === join(dir, 'index.html')) file = join(dir, 'console.html');
  const body = readFileSync(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'content-security-policy': csp(issuer),
    'cross-origin-opener-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    // Hashed asset names never change; the HTML must be fetched afresh to pick up a new build.
    'cache-control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store',
  });
  res.end(body);
  return true;
}
