/**
 * Serving the bundled UI on app://witness/: maps a request URL to a file inside the
 * renderer's build folder, refusing anything outside it, any other host and any method
 * but GET. Pure; the glue reads the file and answers with these headers.
 */
import { extname, join, normalize, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security-policy.js';

export type AppResponse = { status: 200; file: string; headers: Record<string, string> } | { status: 403 | 404 | 405; headers: Record<string, string> };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function resolveAppRequest(method: string, url: string, root: string): AppResponse {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { ...BASE_HEADERS, allow: 'GET, HEAD' } };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 404, headers: BASE_HEADERS };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { status: 403, headers: BASE_HEADERS };
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { status: 404, headers: BASE_HEADERS };
  }
  if (path.includes('\0')) return { status: 404, headers: BASE_HEADERS };
  const rel = path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, '');
  const base = normalize(root + sep);
  const file = normalize(join(root, rel));
  if (!file.startsWith(base)) return { status: 403, headers: BASE_HEADERS };
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  return {
    status: 200,
    file,
    headers: { ...BASE_HEADERS, 'content-type': type, 'content-security-policy': CONTENT_SECURITY_POLICY },
  };
}
