/**
 * The server's HTTP API (public contract, docs/server.md):
 *   GET  /api/v1/health                  liveness
 *   GET  /api/v1/keys                    the public keys (JWKS; pin them from `witness-server keys --json`)
 *   POST /api/v1/ingest                  a device's batch (application/jose; the device key authenticates)
 *   POST /api/v1/devices                 enrol a device (Bearer token)
 *   GET  /api/v1/devices                 fleet health: every device, its state (auditor, admin)
 *   POST /api/v1/check-in                a device's signed check-in (application/jose; the device key authenticates)
 *   GET  /api/v1/policy                  the current central policy layer and its signed bundle (Bearer)
 *   PUT  /api/v1/policy                  publish a new signed version (admin)
 *   GET  /api/v1/policy/history          every published version (auditor)
 *   POST /api/v1/policy/validate         {problem: {path, message} | null} for a document (admin; publishes nothing)
 *   POST /api/v1/devices/:id/revoke      revoke (owner or admin)
 *   GET  /api/v1/records?q=&user=&device=&since=&until=&limit=…   search (Bearer token)
 *   GET  /api/v1/records/:id             record detail
 *   GET  /api/v1/export?format=jsonl|ocsf&…   export (same filters)
 *   GET  /api/v1/security-events         refusals and device changes (auditor)
 *   POST /api/v1/reviews                 a device forwards a hold for a second review (application/jose)
 *   POST /api/v1/reviews/:id/wait|withdraw   the device waits for the signed decision, or takes it back
 *   GET  /api/v1/reviews?state=pending   reviews of the caller's groups (auditors: all, read only)
 *   POST /api/v1/reviews/:id/decision    a reviewer of the group decides (never the requester)
 *   GET  /api/v1/exports                 SIEM export destinations: cursor, delivered, pending, dead letters (auditor)
 *   GET  /api/v1/exports/:name/dead-letters   the newest records a destination refused (auditor)
 *   GET  /api/v1/console/config          where the console signs in (public)
 *   GET  /api/v1/me                      who the caller is and their roles (Bearer)
 *   GET  /…                              the console (console.ts), when built
 * Every error is {error: {code, message}}. No route logs a body or a token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnrolRequestSchema, ServerSearchQuerySchema } from '../proxy/model/index.js';
import { Auth, AuthError, type Caller } from './auth.js';
import { IngestRefusal } from './chain.js';
import { serveConsole, type ConsoleConfig } from './console.js';
import type { Devices } from './devices.js';
import type { Fleet } from './fleet.js';
import type { Ingest } from './ingest.js';
import type { PolicyBundles } from './policy.js';
import type { Query } from './query.js';
import { reviewRoute, type Reviews } from './reviews.js';
import type { SiemExporter } from './siem/index.js';

const MAX_BODY = 32 * 1024 * 1024;

export interface AppParts {
  auth: Auth;
  ingest: Ingest;
  devices: Devices;
  query: Query;
  fleet: Fleet;
  policies: PolicyBundles;
  reviews: Reviews;
  exports: Pick<SiemExporter, 'status' | 'deadLetters' | 'destinations'>;
  jwks: unknown;
  /** The built console (null: not built, `/` answers 404) and what it needs to sign in. */
  console: { dir: string | null; config: ConsoleConfig };
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

const fail = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new IngestRefusal('BAD_REQUEST', `the body is over ${MAX_BODY} bytes`, 413);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function queryOf(url: URL) {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (k !== 'format') raw[k] = v;
  const r = ServerSearchQuerySchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new IngestRefusal('BAD_REQUEST', `${i.path.join('.') || 'query'}: ${i.message}`, 400);
  }
  return r.data;
}

export function createHandler(parts: AppParts) {
  const authed = async (req: IncomingMessage): Promise<Caller> => parts.auth.caller(req.headers.authorization);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://server');
    const path = url.pathname;
    try {
      if (req.method === 'GET' && path === '/api/v1/health') return send(res, 200, { ok: true });
      if (req.method === 'GET' && path === '/api/v1/keys') return send(res, 200, parts.jwks);
      if (req.method === 'POST' && path === '/api/v1/ingest') {
        const r = await parts.ingest.receive(await readBodyBytes(req));
        return send(res, r.status, r.body);
      }
      if (req.method === 'POST' && path === '/api/v1/check-in') return send(res, 200, await parts.fleet.checkIn(await readBody(req)));
      if (path.startsWith('/api/v1/reviews')) {
        const r = await reviewRoute(parts.reviews, req, url, { body: () => readBody(req), caller: () => authed(req) });
        if (r) return send(res, r.status, r.body);
      }
      if (req.method === 'GET' && path === '/api/v1/console/config') return send(res, 200, parts.console.config);
      if (req.method === 'GET' && !path.startsWith('/api/') && parts.console.dir && serveConsole(parts.console.dir, path, parts.console.config.issuer, res)) return;
      if (!path.startsWith('/api/v1/')) return fail(res, 404, 'NOT_FOUND', `no route ${req.method} ${path}`);
      const caller = await authed(req);
      if (req.method === 'GET' && path === '/api/v1/me') return send(res, 200, caller);
      if (req.method === 'POST' && path === '/api/v1/devices') {
        const parsed = EnrolRequestSchema.safeParse(JSON.parse((await readBody(req)) || '{}'));
        if (!parsed.success) return fail(res, 400, 'BAD_REQUEST', `enrolment: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
        const out = await parts.devices.enrol(caller, parsed.data);
        return send(res, out.created ? 201 : 200, out.device);
      }
      if (req.method === 'GET' && path === '/api/v1/devices') {
        if (!caller.auditor) return fail(res, 403, 'FORBIDDEN', 'the fleet is for auditors and admins (roles.auditor, roles.admin)');
        return send(res, 200, { items: await parts.fleet.list() });
      }
      if (req.method === 'GET' && path === '/api/v1/policy') return send(res, 200, await parts.policies.current());
      if (req.method === 'PUT' && path === '/api/v1/policy') return send(res, 200, await parts.policies.publish(caller, JSON.parse(await readBody(req))));
      if (req.method === 'POST' && path === '/api/v1/policy/validate') return send(res, 200, parts.policies.validate(caller, JSON.parse(await readBody(req))));
      if (req.method === 'GET' && path === '/api/v1/policy/history') {
        if (!caller.auditor) return fail(res, 403, 'FORBIDDEN', 'the policy history is for auditors and admins');
        return send(res, 200, { items: await parts.policies.history() });
      }
      const revoke = /^\/api\/v1\/devices\/([^/]+)\/revoke$/.exec(path);
      if (req.method === 'POST' && revoke) return send(res, 200, await parts.devices.revoke(caller, decodeURIComponent(revoke[1]!)));
      if (req.method === 'GET' && path === '/api/v1/records') return send(res, 200, await parts.query.search(caller, queryOf(url)));
      const detail = /^\/api\/v1\/records\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && detail) {
        const r = await parts.query.detail(caller, decodeURIComponent(detail[1]!));
        return r ? send(res, 200, r) : fail(res, 404, 'NOT_FOUND', 'no such record (or not yours to read)');
      }
      if (req.method === 'GET' && path === '/api/v1/export') {
        const format = url.searchParams.get('format') ?? 'jsonl';
        if (format !== 'jsonl' && format !== 'ocsf') return fail(res, 400, 'BAD_REQUEST', 'format: jsonl or ocsf');
        const q = queryOf(url);
        res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
        await parts.query.export(caller, q, format, (chunk) => res.write(chunk));
        res.end();
        return;
      }
      if (req.method === 'GET' && path === '/api/v1/security-events') {
        if (!caller.auditor) return fail(res, 403, 'FORBIDDEN', 'security events are for auditors (roles.auditor)');
        return send(res, 200, { items: await parts.query.securityEvents() });
      }
      if (req.method === 'GET' && path.startsWith('/api/v1/exports')) {
        if (!caller.auditor) return fail(res, 403, 'FORBIDDEN', 'SIEM exports are for auditors and admins (roles.auditor, roles.admin)');
        if (path === '/api/v1/exports') return send(res, 200, { items: await parts.exports.status() });
        const dead = /^\/api\/v1\/exports\/([^/]+)\/dead-letters$/.exec(path);
        const name = dead ? decodeURIComponent(dead[1]!) : null;
        if (name !== null && parts.exports.destinations.some((d) => d.name === name)) return send(res, 200, { items: await parts.exports.deadLetters(name) });
        return fail(res, 404, 'NOT_FOUND', name === null ? `no route ${req.method} ${path}` : `no SIEM destination named ${name}`);
      }
      return fail(res, 404, 'NOT_FOUND', `no route ${req.method} ${path}`);
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      if (e instanceof AuthError) return fail(res, 401, 'UNAUTHENTICATED', e.message);
      if (e instanceof IngestRefusal) return fail(res, e.status, e.code, e.message);
      if (e instanceof SyntaxError) return fail(res, 400, 'BAD_REQUEST', 'the body is not JSON');
      if (e instanceof Error && /not a time/.test(e.message)) return fail(res, 400, 'BAD_REQUEST', e.message);
      return fail(res, 500, 'INTERNAL', 'the server failed to answer; see its log');
    }
  };
}
