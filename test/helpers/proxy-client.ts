/**
 * A client that uses the proxy the way an IDE does: CONNECT, then TLS to the target name
 * inside the tunnel, then HTTP/1.1. Records when each body chunk and each SSE event arrives.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';

export async function connectTunnel(proxyPort: number, target: string): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target, headers: { host: target } });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) reject(new Error(`CONNECT ${target} → ${res.statusCode}`));
      else resolve(socket);
    });
    req.once('error', reject);
    req.end();
  });
}

export async function tlsThroughProxy(
  proxyPort: number,
  host: string,
  port: number,
  opts: { ca: string | string[]; servername?: string | null; rejectUnauthorized?: boolean },
): Promise<tls.TLSSocket> {
  const socket = await connectTunnel(proxyPort, `${host}:${port}`);
  return new Promise((resolve, reject) => {
    const t = tls.connect({
      socket,
      ...(opts.servername === null ? {} : { servername: opts.servername ?? host }),
      ca: opts.ca,
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
    });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
}

export interface TimedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** ms since the request was sent, per received chunk */
  chunkTimes: number[];
  /** ms since the request was sent, per complete SSE event (blank-line terminated) */
  eventTimes: number[];
  events: string[];
  headersAt: number;
  /** Epoch ms (fractional) when the request was sent: chunkTimes and eventTimes count from here. */
  startedAt: number;
  peerCertificate: tls.PeerCertificate | null;
}

export interface ViaProxyRequest {
  proxyPort: number;
  host: string;
  port?: number;
  path: string;
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  ca: string | string[];
  /** Abort after this many SSE events have arrived. */
  abortAfterEvents?: number;
}

export async function requestViaProxy(r: ViaProxyRequest): Promise<TimedResponse> {
  const socket = await tlsThroughProxy(r.proxyPort, r.host, r.port ?? 443, { ca: r.ca });
  return timedRequest(
    (cb) =>
      https.request(
        {
          host: r.host,
          port: r.port ?? 443,
          path: r.path,
          method: r.method ?? 'GET',
          headers: { host: r.host, ...r.headers },
          createConnection: () => socket,
        },
        cb,
      ),
    r.body,
    r.abortAfterEvents,
    () => socket.getPeerCertificate(),
  );
}

export async function timedRequest(
  make: (cb: (res: http.IncomingMessage) => void) => http.ClientRequest,
  body?: string | Buffer,
  abortAfterEvents?: number,
  peer?: () => tls.PeerCertificate,
): Promise<TimedResponse> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = make((res) => {
      const out: TimedResponse = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        chunkTimes: [],
        eventTimes: [],
        events: [],
        headersAt: performance.now() - t0,
        startedAt: performance.timeOrigin + t0,
        peerCertificate: peer ? peer() : null,
      };
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const t = performance.now() - t0;
        out.chunkTimes.push(t);
        out.body += chunk;
        pending += chunk;
        let idx: number;
        while ((idx = pending.search(/\r?\n\r?\n/)) >= 0) {
          const m = /\r?\n\r?\n/.exec(pending.slice(idx))!;
          out.events.push(pending.slice(0, idx));
          out.eventTimes.push(t);
          pending = pending.slice(idx + m[0].length);
        }
        if (abortAfterEvents !== undefined && out.events.length >= abortAfterEvents) {
          req.destroy();
          resolve(out);
        }
      });
      res.on('end', () => resolve(out));
      res.on('error', (e) => (abortAfterEvents !== undefined ? resolve(out) : reject(e)));
    });
    req.on('error', (e) => (abortAfterEvents !== undefined ? undefined : reject(e)));
    req.end(body);
  });
}
