/**
 * The control API server: the engine's only way in. Loopback HTTP + Server-Sent Events.
 * Every request must pass, in order:
 *   1. a loopback peer (the socket is dropped otherwise);
 *   2. a Host header naming this loopback listener (defeats DNS rebinding) → else 403;
 *   3. no foreign Origin, no cross-site fetch metadata (defeats CSRF) → else 403;
 *   4. the per-run bearer token, compared in constant time → else 401.
 * The one exception to 3 is the desktop window's own origin (`uiOrigins`, the shell's custom
 * scheme): it gets CORS answers for the API, and authenticates with the bearer token only,
 * never with the browser session cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWitnessError, WitnessError, type WitnessErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { DESKTOP_UI_ORIGIN, EVENTS_PATH, Methods, type ControlEvent, type MethodName, type MethodOutput } from '../control/index.js';
import { refuseNonLoopbackPeers } from '../loopback.js';
import type { EventBus } from './event-bus.js';
import { SessionStore } from './sessions.js';
import type { z } from 'zod';

export type Handlers = {
  [M in MethodName]: (input: z.output<(typeof Methods)[M]['input']>) => Promise<MethodOutput<M>> | MethodOutput<M>;
};

export interface ControlServerOptions {
  /** Folder of the built UI (renderer/dist), served at / behind the sign-in cookie. */
  uiDir?: string | null;
  port: number;
  bus: EventBus;
  handlers: Handlers;
  log: Logger;
  /** Exact origins allowed to call the API cross-origin with the bearer token (default: the desktop window's). */
  uiOrigins?: readonly string[];
  /** Body size and connection timeouts (config `limits`); the defaults below when absent. */
  limits?: Partial<ControlLimits>;
  /** Where browser sessions (hashed) are kept across restarts; null/absent: in memory only. */
  sessionFile?: string | null;
}

export interface ControlLimits {
  controlBodyBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

const DEFAULT_LIMITS: ControlLimits = { controlBodyBytes: 1024 * 1024, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 30_000 };

/** SSE comments this often keep idle event streams open through proxies and timeouts. */
const HEARTBEAT_MS = 15_000;

export class ControlServer {
  readonly token: string;
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private boundPort = 0;
  refusedPeers = 0;
  /** One-time sign-in codes (code → expiry) and browser sessions (HttpOnly cookie values). */
  private readonly codes = new Map<string, number>();
  private readonly sessions: SessionStore;
  private readonly limits: ControlLimits;

  constructor(private readonly opts: ControlServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.token = randomBytes(32).toString('base64url');
    this.sessions = new SessionStore(opts.sessionFile ?? null, opts.log);
    // Head and request deadlines are checked this often (Node's default: every 30 s).
    const connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(this.limits.headersTimeoutMs / 4)));
    this.server = http.createServer({ connectionsCheckingInterval }, (req, res) => {
      this.handle(req, res).catch((e) => {
        opts.log.error('control API handler failed', { err: e, path: req.url?.split('?')[0] });
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'The engine failed to answer; see its log.');
        else res.destroy();
      });
    });
    // No inactivity timeout: event streams are kept alive by heartbeats, and a silent
    // connection is closed by the head timeout (before a request) or the keep-alive one (after).
    this.server.headersTimeout = this.limits.headersTimeoutMs;
    this.server.requestTimeout = this.limits.requestTimeoutMs;
    this.server.keepAliveTimeout = this.limits.keepAliveTimeoutMs;
    refuseNonLoopbackPeers(this.server, (peer) => {
      this.refusedPeers++;
      opts.log.warn('Refused a control API connection from a non-loopback address', { peer });
    });
  }

  get url() {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'EADDRINUSE'
            ? new WitnessError('PORT_IN_USE', `Control API port ${this.opts.port} is already in use; set control.port to another port or 0.`, { cause: e })
            : new WitnessError('LISTEN_FAILED', `Cannot start the control API: ${e.message}`, { cause: e }),
        );
      };
      this.server.once('error', onError);
      this.server.listen({ host: '127.0.0.1', port: this.opts.port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * A link that signs a browser in once: /auth?code=… is exchanged for an HttpOnly,
   * SameSite=Strict cookie and redirected to /, so the bearer token never appears in a
   * URL, in history or in a Referer.
   */
  signInLink(ttlMs = 10 * 60 * 1000): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, Date.now() + ttlMs);
    return `${this.url}/auth?code=${code}`;
  }

  /** Raw (non-JSON) downloads such as exports: path → writer. */
  private readonly downloads = new Map<string, (url: URL, res: http.ServerResponse) => void | Promise<void>>();

  download(path: string, handler: (url: URL, res: http.ServerResponse) => void | Promise<void>) {
    this.downloads.set(path, handler);
  }

  private allowedHosts(): Set<string> {
    const p = this.boundPort;
    return new Set([`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');

    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.allowedHosts().has(host)) {
      return sendError(res, 403, 'FORBIDDEN_HOST', 'The Host header must name this loopback listener.');
    }
    const origin = req.headers.origin;
    const uiOrigin = origin !== undefined && (this.opts.uiOrigins ?? [DESKTOP_UI_ORIGIN]).includes(origin);
    if (origin !== undefined && !uiOrigin && !this.allowedHosts().has(originHost(origin))) {
      return sendError(res, 403, 'FORBIDDEN_ORIGIN', 'Requests from other origins are not allowed.');
    }
    if (req.headers['sec-fetch-site'] === 'cross-site' && !uiOrigin) {
      return sendError(res, 403, 'FORBIDDEN_ORIGIN', 'Cross-site requests are not allowed.');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname.startsWith('/api/');
    if (uiOrigin) {
      // The desktop window reaches the API only (no pages, no sign-in links), token in a header.
      if (!isApi) return sendError(res, 403, 'FORBIDDEN_ORIGIN', 'The desktop window may only call the API.');
      res.setHeader('access-control-allow-origin', origin!);
      res.setHeader('vary', 'origin');
      if (req.method === 'OPTIONS') return preflight(req, res);
    }
    if (url.pathname === '/auth' && req.method === 'GET') return this.signIn(url, res);
    if (!this.authorized(req, !uiOrigin)) {
      if (!isApi && this.opts.uiDir) return this.refusePage(res);
      res.setHeader('www-authenticate', 'Bearer realm="witness"');
      return sendError(res, 401, 'UNAUTHORIZED', 'A valid bearer token is required (see control.json in the data dir).');
    }
    if (!isApi && this.opts.uiDir && req.method === 'GET') return this.serveUi(url.pathname, res);

    if (url.pathname === EVENTS_PATH && req.method === 'GET') return this.stream(req, res, url);
    const download = req.method === 'GET' ? this.downloads.get(url.pathname) : undefined;
    if (download) return download(url, res);

    const entry = (Object.entries(Methods) as Array<[MethodName, (typeof Methods)[MethodName]]>).find(([, m]) => m.path === url.pathname);
    if (!entry) return sendError(res, 404, 'NOT_FOUND', `No such endpoint: ${url.pathname}`);
    const [name, method] = entry;
    if (req.method !== method.method) {
      res.setHeader('allow', method.method);
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes ${method.method}.`);
    }
    let raw: unknown;
    try {
      raw = method.method === 'GET' ? Object.fromEntries(url.searchParams) : await readJson(req, this.limits.controlBodyBytes);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      // The rest of the body is not read: close the connection after answering.
      res.setHeader('connection', 'close');
      return sendError(res, 413, 'BODY_TOO_LARGE', `Request body larger than ${e.limit} bytes; the control API takes at most that (limits.controlBodyBytes).`);
    }
    const parsed = method.input.safeParse(raw);
    if (!parsed.success) {
      return sendError(res, 400, 'BAD_INPUT', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    }
    let output: unknown;
    try {
      output = await (this.opts.handlers[name] as (i: unknown) => unknown)(parsed.data);
    } catch (e) {
      if (isWitnessError(e)) return sendError(res, ERROR_STATUS[e.code] ?? 400, e.code, e.message);
      throw e;
    }
    sendJson(res, 200, method.output.parse(output));
  }

  private authorized(req: http.IncomingMessage, cookieAllowed: boolean): boolean {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m) {
      const given = Buffer.from(m[1]!);
      const want = Buffer.from(this.token);
      return given.length === want.length && timingSafeEqual(given, want);
    }
    if (!cookieAllowed) return false;
    const session = /(?:^|;\s*)witness_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
    return session !== undefined && this.sessions.has(session);
  }

  private signIn(url: URL, res: http.ServerResponse) {
    const code = url.searchParams.get('code') ?? '';
    const expiry = this.codes.get(code);
    this.codes.delete(code); // one use only
    if (!expiry || expiry < Date.now()) return this.refusePage(res, 'This sign-in link was already used or has expired. Run `witness ui` for a new one.');
    const session = randomBytes(32).toString('base64url');
    this.sessions.add(session);
    res.writeHead(303, { location: '/', 'set-cookie': `witness_session=${session}; HttpOnly; SameSite=Strict; Path=/` });
    res.end();
  }

  private refusePage(res: http.ServerResponse, message = 'Open the sign-in link printed by `witness start` (or `witness ui`).') {
    const body = `<!doctype html><meta charset="utf-8"><meta name="color-scheme" content="light dark"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Witness: sign in</title><style>${REFUSE_STYLE}</style><main><h1><span aria-hidden="true">◉</span> Witness</h1><p>${message.replace(/[<&>]/g, '').replace(/`([^`]+)`/g, '<code>$1</code>')}</p><p class="sub">This window is only reachable from this machine, with a one-time link from the engine.</p></main>`;
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" });
    res.end(body);
  }

  private serveUi(pathname: string, res: http.ServerResponse) {
    const dir = this.opts.uiDir!;
    const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
    const file = normalize(join(dir, rel));
    if (!file.startsWith(normalize(dir + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      return sendError(res, 404, 'NOT_FOUND', `No such file: ${pathname}`);
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      // Bundled scripts and styles only: no inline code, no other origins.
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'cross-origin-opener-policy': 'same-origin',
    });
    res.end(readFileSync(file));
  }

  private stream(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: 1000\n: witness event stream\n\n`);
    const lastId = Number(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? NaN);
    const send = (e: ControlEvent) => res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    if (Number.isFinite(lastId)) {
      const { events, gap } = this.opts.bus.since(lastId);
      if (gap) res.write(`event: gap\ndata: ${JSON.stringify({ after: lastId })}\n\n`);
      events.forEach(send);
    }
    const unsubscribe = this.opts.bus.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    this.streams.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(res);
    });
  }
}

/** The sign-in and error page's look: the window's colours, light and dark (inline: the page loads nothing). */
const REFUSE_STYLE = [
  ':root{color-scheme:light dark;--bg:#f6f7f9;--panel:#fff;--text:#1d2330;--muted:#667085;--line:#e3e7ee;--accent:#3b5bdb}',
  '@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--panel:#171b23;--text:#e6e9ef;--muted:#98a2b3;--line:#2a303c;--accent:#7c93f5}}',
  'body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,sans-serif}',
  'main{max-width:34em;margin:24px;padding:24px 28px;background:var(--panel);border:1px solid var(--line);border-radius:10px}',
  'h1{font-size:20px;margin:0 0 12px}h1 span{color:var(--accent)}.sub{color:var(--muted);font-size:13px}',
  'code{font:13px ui-monospace,monospace;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:1px 5px}',
].join('');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** CORS preflight for the desktop window: the methods and headers the typed client sends. */
function preflight(req: http.IncomingMessage, res: http.ServerResponse) {
  res.setHeader('access-control-allow-methods', 'GET, POST');
  res.setHeader('access-control-allow-headers', 'authorization, content-type, last-event-id, accept');
  res.setHeader('access-control-max-age', '600');
  // Chromium's private/local network access preflight: the window on the custom scheme asks
  // to reach this loopback listener.
  if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('access-control-allow-private-network', 'true');
  res.writeHead(204);
  res.end();
}

function originHost(origin: string): string {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' ? u.host.toLowerCase() : '';
  } catch {
    return '';
  }
}

/** The control API's status for an error code (400 otherwise). */
const ERROR_STATUS: Partial<Record<WitnessErrorCode, number>> = {
  STALE_APPROVAL: 409,
  REVIEW_STALE: 409,
  REVIEW_CLOSED: 409,
  PAUSE_NOT_ALLOWED: 403,
  APPROVER_NOT_ALLOWED: 403,
  REVIEWER_NOT_IN_GROUP: 403,
  SELF_REVIEW_REFUSED: 403,
  REVIEW_NOT_FOUND: 404,
  REVIEWS_UNAVAILABLE: 503,
};

class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return Symbol('invalid-json'); // fails schema validation with a clear 400
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string) {
  sendJson(res, status, { error: { code, message } });
}
