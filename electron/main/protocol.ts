/**
 * The app:// scheme the bundled UI is loaded from (never file://, never a remote origin):
 * registered as standard and secure before the app is ready, then served from the
 * renderer's build folder inside the app bundle, each page with the CSP header.
 */
import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { APP_SCHEME, resolveAppRequest } from '../core/index.js';

export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

export function serveApp(protocol: Protocol, rendererRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppRequest(request.method, request.url, rendererRoot);
    if (r.status !== 200) return new Response(null, { status: r.status, headers: r.headers });
    try {
      const body = await readFile(r.file);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: r.headers });
    } catch {
      return new Response(null, { status: 404, headers: { 'x-content-type-options': 'nosniff' } });
    }
  });
}
