/** Bench clients: the same HTTPS request made directly, through a tunnel, or intercepted. */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';

export interface Route {
  name: string;
  /** Host the client believes it talks to (Host header, SNI). */
  host: string;
  port: number;
  ca: string;
  /** When set, CONNECT through this proxy port; otherwise connect to 127.0.0.1:port directly. */
  proxyPort?: number;
  /** The process that serves this route (the proxy's), for its CPU time where /proc exists. */
  pid?: number;
}

function connectVia(route: Route, cb: (err: Error | null, s?: net.Socket) => void) {
  const tlsOpts = { servername: route.host, ca: route.ca, ALPNProtocols: ['http/1.1'] };
  if (route.proxyPort === undefined) {
    const s = tls.connect({ host: '127.0.0.1', port: route.port, ...tlsOpts });
    s.once('secureConnect', () => cb(null, s));
    s.once('error', (e) => cb(e));
    return;
  }
  const req = http.request({ host: '127.0.0.1', port: route.proxyPort, method: 'CONNECT', path: `${route.host}:${route.port}`, agent: false });
  req.once('connect', (res, raw) => {
    if (res.statusCode !== 200) return cb(new Error(`CONNECT ${res.statusCode}`));
    raw.setNoDelay(true);
    const s = tls.connect({ socket: raw, ...tlsOpts });
    s.once('secureConnect', () => cb(null, s));
    s.once('error', (e) => cb(e));
  });
  req.once('error', (e) => cb(e));
  req.end();
}

export class RouteAgent extends https.Agent {
  constructor(
    private readonly route: Route,
    keepAlive: boolean,
  ) {
    super({ keepAlive, maxSockets: 1 });
  }
  override createConnection(_opts: unknown, cb?: (err: Error | null, s: import('node:stream').Duplex) => void): undefined {
    connectVia(this.route, cb as (err: Error | null, s?: net.Socket) => void);
    return undefined;
  }
}

export interface Timed {
  ms: number;
  status: number;
  bytes: number;
  firstByteMs: number;
  /** per SSE event: [arrival epoch ms, upstream send epoch ms, the event's index `n` (-1 without)] */
  events: Array<[number, number, number]>;
}

export function request(route: Route, agent: https.Agent, path: string): Promise<Timed> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request({ host: route.host, port: route.port, path, agent, headers: { host: route.host } }, (res) => {
      let bytes = 0;
      let first = -1;
      let pending = '';
      const events: Array<[number, number, number]> = [];
      const parse = path.startsWith('/sse');
      res.on('data', (d: Buffer) => {
        const now = performance.now();
        if (first < 0) first = now - t0;
        bytes += d.length;
        if (parse) {
          pending += d.toString('utf8');
          let i;
          while ((i = pending.indexOf('\n\n')) >= 0) {
            const ev = pending.slice(0, i);
            pending = pending.slice(i + 2);
            const m = /"t":([\d.]+)/.exec(ev);
            const n = /"n":(\d+)/.exec(ev);
            if (m) events.push([performance.timeOrigin + now, Number(m[1]), n ? Number(n[1]) : -1]);
          }
        }
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, bytes, firstByteMs: first, events }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
