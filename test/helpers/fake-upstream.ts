/**
 * A fake Copilot upstream for tests and benchmarks: a real HTTPS server (test PKI) with
 * routes that mimic what matters about Copilot's API: paced SSE, compressed SSE, JSON,
 * huge bodies, streams that die mid-way, and a WebSocket endpoint.
 *   GET/POST /sse?n=20&ms=50[&gzip=1|br=1|deflate=1][&size=N]   paced SSE, then [DONE]
 *   GET/POST /sse?n=20&ms=50&pair=ID&of=K[&size=N]               paired paced SSE: the K streams that share ID are
 *                                                                  fed by one timer (see pairedSse)
 *   GET      /burst?mb=20                                          SSE as fast as possible
 *   GET      /small                                                47-byte JSON
 *   POST     /echo                                                 echoes method, headers, body
 *   GET      /abort?after=3                                        3 events, then the socket is destroyed
 *   any      ?script=NAME                                          the test's own handler: upstream.scripts.get(NAME)
 *   any      ?fixture=NAME[&ms=N][&immediate=1]                   a fixture replayed (SSE event by event, `ms` apart; with
 *                                                                  immediate=1 each event on the next turn of the event loop,
 *                                                                  without setTimeout's 1 ms floor)
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import https from 'node:https';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { createTestRoot, issueLeaf, type TestCa } from './pki.js';

export interface FakeUpstream {
  port: number;
  root: TestCa;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  /** Set by tests to hook raw upgrade requests. */
  upgrades: number;
  /** Responses a test writes itself (paced SSE it controls event by event), by name: `?script=NAME`. */
  scripts: Map<string, (res: http.ServerResponse) => void>;
  close(): Promise<void>;
}

export const UPSTREAM_NAMES = ['api.githubcopilot.com', 'api.business.githubcopilot.com', 'proxy.business.githubcopilot.com', 'copilot-proxy.githubusercontent.com', 'localhost', '127.0.0.1'];

export interface FakeUpstreamOptions {
  /**
   * Keep every request's body in `requests` (default true). A bench sending hundreds of
   * 200 KB bodies turns this off: decoding and keeping them cost the upstream time and
   * memory that every route measured pays alike, as noise.
   */
  keepBodies?: boolean;
}

export async function startFakeUpstream(root?: TestCa, opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const keepBodies = opts.keepBodies ?? true;
  const ca = root ?? (await createTestRoot());
  const leaf = await issueLeaf(ca, UPSTREAM_NAMES);
  const state: FakeUpstream = { port: 0, root: ca, requests: [], upgrades: 0, scripts: new Map(), close: async () => {} };
  const pairs = new Map<string, PairGroup>();
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: string | null = null;
      const text = () => (body ??= Buffer.concat(chunks).toString('utf8'));
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: keepBodies ? text() : '' });
      const url = new URL(req.url ?? '/', 'https://upstream.test');
      const script = url.searchParams.get('script');
      const handler = script ? state.scripts.get(script) : undefined;
      if (handler) handler(res);
      else if (url.pathname === '/sse' && url.searchParams.has('pair')) pairedSse(pairs, url, res);
      else route(req, res, text);
    });
  });
  server.on('upgrade', (_req, socket) => {
    state.upgrades++;
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function sseEvent(i: number, size = 0): string {
  const pad = size > 0 ? 'x'.repeat(size) : '';
  // `t` = send time (epoch ms, sub-ms precision) so benchmarks can measure per-event delay.
  const t = performance.timeOrigin + performance.now();
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `tok${i} ${pad}` }, finish_reason: null }], n: i, t })}\n\n`;
}

/** Streams waiting for, or fed by, one timer: `/sse?pair=ID&of=K`. */
interface PairGroup {
  of: number;
  n: number;
  ms: number;
  size: number;
  members: http.ServerResponse[];
  /** Ends the waiting members if the group never fills. */
  wait: NodeJS.Timeout;
}

/** How long a paired stream waits for the rest of its group before it is ended without events. */
const PAIR_WAIT_MS = 30_000;

/**
 * Paired paced SSE, for measuring the delay a proxy adds to each event: the `of` streams that
 * share `pair` get their response heads at once, and once all have come, one timer feeds them
 * all: `ms` after the group is full (so no stream's head is still being handled) and then every
 * `ms`, each event is built once, with one send stamp `t`, and written to every member in the
 * same turn of the loop, then `[DONE]`. The members are written in a rotating order (event i
 * starts at member i mod `of`), so that the few µs one write takes fall on each alike. The
 * group's n, ms and size are its first member's. A group that does not fill within 30 s is
 * ended, its streams without events.
 */
function pairedSse(groups: Map<string, PairGroup>, url: URL, res: http.ServerResponse) {
  const id = url.searchParams.get('pair')!;
  const q = (k: string, d: number) => Number(url.searchParams.get(k) ?? d);
  let group = groups.get(id);
  if (!group) {
    const wait = setTimeout(() => {
      groups.delete(id);
      for (const m of group!.members) m.end();
    }, PAIR_WAIT_MS).unref();
    group = { of: Math.max(1, q('of', 2)), n: q('n', 20), ms: q('ms', 50), size: q('size', 0), members: [], wait };
    groups.set(id, group);
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  group.members.push(res);
  if (group.members.length < group.of) return;
  const g = group;
  groups.delete(id);
  clearTimeout(g.wait);
  let i = 0;
  const tick = () => {
    const live = g.members.filter((m) => !m.destroyed);
    if (live.length === 0) return;
    if (i < g.n) {
      const event = sseEvent(i, g.size);
      for (let k = 0; k < g.members.length; k++) {
        const m = g.members[(i + k) % g.members.length]!;
        if (!m.destroyed) m.write(event);
      }
      i++;
      setTimeout(tick, g.ms);
    } else for (const m of live) m.end('data: [DONE]\n\n');
  };
  setTimeout(tick, g.ms);
}

const FIXTURES = new URL('../fixtures/copilot/', import.meta.url);

/**
 * Replays a fixture file: SSE event by event, `ms` apart (or JSON as one body). `immediate`:
 * each event on the next turn of the event loop (its own write, as with ms=0), without the
 * 1 ms floor of setTimeout, whose waits would otherwise dominate a replay's duration.
 */
function replayFixture(name: string, ms: number, res: http.ServerResponse, immediate = false) {
  if (!/^[\w.-]+$/.test(name)) {
    res.writeHead(400).end('bad fixture name');
    return;
  }
  const text = readFileSync(new URL(name, FIXTURES), 'utf8');
  if (!name.endsWith('.sse.txt')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
    return;
  }
  const events = text.split(/(?<=\n\n)/);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  let i = 0;
  const tick = () => {
    if (res.destroyed) return;
    if (i < events.length) {
      res.write(events[i++]);
      if (immediate) setImmediate(tick);
      else setTimeout(tick, ms);
    } else res.end();
  };
  tick();
}

function route(req: http.IncomingMessage, res: http.ServerResponse, text: () => string) {
  const url = new URL(req.url ?? '/', 'https://upstream.test');
  const q = (k: string, d: number) => Number(url.searchParams.get(k) ?? d);
  const fixture = url.searchParams.get('fixture');
  if (fixture) return replayFixture(fixture, q('ms', 0), res, url.searchParams.get('immediate') === '1');
  if (url.pathname.endsWith('/copilot_internal/v2/token')) return replayFixture('06-token-exchange.response.json', 0, res);
  if (url.searchParams.get('echo') === '1') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, headers: req.headers, body: text() }));
    return;
  }
  switch (url.pathname) {
    case '/small': {
      const small = JSON.stringify({ ok: true, message: 'small response body 47b' }).slice(0, 47);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(small) });
      res.end(small);
      return;
    }
    case '/echo': {
      const echoed = JSON.stringify({ method: req.method, headers: req.headers, body: text() });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(echoed);
      return;
    }
    case '/sse': {
      const n = q('n', 20);
      const ms = q('ms', 50);
      const size = q('size', 0);
      let out: NodeJS.WritableStream = res;
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
      let flush = () => {};
      if (url.searchParams.get('gzip') === '1') {
        const z = zlib.createGzip();
        z.pipe(res);
        out = z;
        flush = () => z.flush(zlib.constants.Z_SYNC_FLUSH);
        headers['content-encoding'] = 'gzip';
      } else if (url.searchParams.get('br') === '1') {
        const z = zlib.createBrotliCompress();
        z.pipe(res);
        out = z;
        flush = () => z.flush(zlib.constants.BROTLI_OPERATION_FLUSH);
        headers['content-encoding'] = 'br';
      } else if (url.searchParams.get('deflate') === '1') {
        const z = zlib.createDeflate();
        z.pipe(res);
        out = z;
        flush = () => z.flush(zlib.constants.Z_SYNC_FLUSH);
        headers['content-encoding'] = 'deflate';
      } else if (url.searchParams.get('zstd') === '1') {
        // zstd CLI per event (Node 20's zlib has no zstd): one frame per event.
        const z = new PassThrough();
        z.pipe(res);
        out = { write: (s: string) => z.write(execFileSync('zstd', ['-c', '-q'], { input: s })), end: (s: string) => z.end(execFileSync('zstd', ['-c', '-q'], { input: s })) } as unknown as NodeJS.WritableStream;
        headers['content-encoding'] = 'zstd';
      } else if (url.searchParams.get('encoding')) {
        headers['content-encoding'] = url.searchParams.get('encoding')!;
      }
      res.writeHead(200, headers);
      res.flushHeaders();
      let i = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (i < n) {
          out.write(sseEvent(i++, size));
          flush();
          setTimeout(tick, ms);
        } else {
          out.end('data: [DONE]\n\n');
        }
      };
      tick();
      return;
    }
    case '/burst': {
      const total = q('mb', 20) * 1024 * 1024;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = sseEvent(0, 1000);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += event.length;
          if (!res.write(event)) return void res.once('drain', pump);
        }
        res.end('data: [DONE]\n\n');
      };
      pump();
      return;
    }
    case '/abort': {
      const after = q('after', 3);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < after; i++) res.write(sseEvent(i));
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    default:
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
  }
}
