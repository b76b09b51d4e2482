/**
 * The raw hop, for the paced bench: the relay (relay.ts) with Witness's data path on it, and no
 * Node HTTP layer. Per client connection, one TLS connection to the upstream, as the relay; the
 * HTTP/1.1 framing is read and written by hand: the request head is parsed and goes through the
 * engine's hooks (`onExchangeStart`, `inspectRequest`: masking, policy, holds), the response head
 * through `responseTransform`; the body's chunked (or Content-Length) framing is undone as its
 * bytes come, what one socket read brings is written to the data path's transform at once, and
 * each piece the transform releases goes to the client's TLS socket as one chunk frame in the
 * same turn. At the end `onExchangeEnd` (record, audit) as the forward step calls it.
 *
 * Why: "lean" (lean-hop.ts) showed that Node's HTTP client and server around the forward step
 * cost about three times the relay per event; this asks what Witness's per-event work costs when
 * the hop around it is the relay. A measurement, not a proxy: requests with a body, content
 * encodings, HTTP/2, upgrades, backpressure and stall timers are not handled (a request with a
 * body gets 501), and the upstream is the one it was given. Bench and test only.
 */
import tls from 'node:tls';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Transform } from 'node:stream';
import type { ExchangeRequest, ExchangeSummary, InterceptHooks } from '../../proxy/intercept/exchange.js';
import { createTestRoot, issueLeaf } from '../helpers/pki.js';
import { BodyReader, headBlock, parseHead, writeHead } from './raw-http.js';
import { listenForConnects, type Relay } from './relay.js';

export interface RawHopOptions {
  hooks: InterceptHooks;
  upstreamPort: number;
  upstreamHost?: string;
  /** PEM of the CA the upstream's certificate chains to. */
  upstreamCa: string;
  hostname?: string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

export async function startRawHop(opts: RawHopOptions): Promise<Relay> {
  const hostname = opts.hostname ?? 'api.githubcopilot.com';
  const ca = await createTestRoot('Witness Bench Raw Hop Root');
  const leaf = await issueLeaf(ca, [hostname]);
  const context = tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
  const hooks = opts.hooks;
  let ids = 0;
  const now = () => performance.timeOrigin + performance.now();

  const connection = (client: tls.TLSSocket, target: { hostname: string; port: number }) => {
    const upstream = tls.connect({ host: opts.upstreamHost ?? '127.0.0.1', port: opts.upstreamPort, servername: target.hostname, ca: opts.upstreamCa, ALPNProtocols: ['http/1.1'] });
    upstream.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let busy = false;
    /** The exchange in flight: what the upstream's bytes are fed to. */
    let onUpstream: ((chunk: Buffer) => void) | null = null;
    let onBreak: ((err: Error) => void) | null = null;
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (c: Buffer) => onUpstream?.(c));
    upstream.on('error', (e) => (onBreak ? onBreak(e) : drop()));
    upstream.on('close', () => (onBreak ? onBreak(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })) : drop()));
    client.on('error', drop);

    const next = () => {
      if (busy) return;
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = parseHead(pending.subarray(0, end).toString('latin1'));
      pending = pending.subarray(end + 4);
      busy = true;
      void exchange(head).finally(() => {
        busy = false;
        next();
      });
    };
    client.on('data', (c: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, c]) : c;
      next();
    });

    const exchange = async (head: ReturnType<typeof parseHead>): Promise<void> => {
      const [method = 'GET', path = '/'] = head.start.split(' ');
      const headers: OutgoingHttpHeaders = {};
      for (const [k, v] of head.headers) if (!HOP_BY_HOP.has(k)) headers[k] = v;
      headers.host = target.port === 443 ? target.hostname : `${target.hostname}:${target.port}`;
      const req: ExchangeRequest = { id: `raw-${++ids}`, method, protocol: 'https', host: target.hostname, port: target.port, path, headers, clientAddress: client.remoteAddress, httpVersion: '1.1', startedAt: now() };
      const summary: ExchangeSummary = { request: req, status: null, timings: { start: req.startedAt, headers: null, firstByte: null, end: null }, bytesFromUpstream: 0, bytesToClient: 0, outcome: 'ok', notInspected: null, error: null };
      const toClient = (b: Buffer | string) => {
        summary.bytesToClient += typeof b === 'string' ? Buffer.byteLength(b) : b.length;
        client.write(b);
      };
      const finish = (outcome?: ExchangeSummary['outcome'], error?: string) => {
        if (outcome) summary.outcome = outcome;
        if (error) summary.error = error;
        summary.timings.end = now();
        onUpstream = onBreak = null;
        hooks.onExchangeEnd?.(summary);
      };
      hooks.onExchangeStart?.(req);
      if (head.headers.get('transfer-encoding') || Number(head.headers.get('content-length') ?? 0) > 0) {
        toClient('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\n\r\n');
        summary.status = 501;
        return finish('refused', 'the raw hop reads no request bodies');
      }
      const action = (await hooks.inspectRequest?.(req, Buffer.alloc(0))) ?? { kind: 'forward' as const };
      if (action.kind === 'respond') {
        summary.status = action.status;
        toClient(headBlock(action.status, { ...action.headers, 'content-length': String(action.body.length) }));
        toClient(action.body);
        return finish('refused');
      }
      const sent = action.headers ? { ...action.headers, host: headers.host } : headers;
      const body = action.body ?? Buffer.alloc(0);
      if (body.length > 0) sent['content-length'] = String(body.length);
      upstream.write(writeHead(`${method} ${path} HTTP/1.1`, sent));
      if (body.length > 0) upstream.write(body);

      await new Promise<void>((resolve) => {
        let buf: Buffer = Buffer.alloc(0);
        let reader: BodyReader | null = null;
        let transform: Transform | null = null;
        const done = (outcome?: ExchangeSummary['outcome'], error?: string) => {
          finish(outcome, error);
          resolve();
        };
        const endBody = () => {
          if (transform) transform.end();
          else {
            toClient('0\r\n\r\n');
            done();
          }
        };
        const frame = (piece: Buffer) => {
          if (piece.length === 0) return;
          // One write per piece: its chunk frame and the bytes, so one TLS record.
          const framed = Buffer.concat([Buffer.from(piece.length.toString(16) + '\r\n', 'latin1'), piece, CRLF]);
          toClient(framed);
        };
        onBreak = (err) => {
          const failure = hooks.streamFailure && summary.status !== null ? hooks.streamFailure(req, { code: 'witness_upstream_error', message: `the connection to ${target.hostname} broke mid-stream: ${err.message}` }) : null;
          if (failure) {
            frame(Buffer.from(failure.raw));
            toClient('0\r\n\r\n');
            return done('upstream-error', `${err.message}; the client was sent ${failure.says}, ending its stream`);
          }
          client.destroy();
          done('upstream-error', err.message);
        };
        client.once('close', () => {
          if (onUpstream) {
            upstream.destroy();
            done('client-abort');
          }
        });
        onUpstream = (chunk) => {
          summary.bytesFromUpstream += chunk.length;
          if (summary.timings.firstByte === null) summary.timings.firstByte = now();
          if (!reader) {
            buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const res = parseHead(buf.subarray(0, end).toString('latin1'));
            chunk = buf.subarray(end + 4);
            summary.status = Number(res.start.split(' ')[1]);
            summary.timings.headers = now();
            const resHeaders: IncomingHttpHeaders = Object.fromEntries(res.headers);
            const hasBody = method !== 'HEAD' && summary.status !== 204 && summary.status !== 304;
            transform = hasBody && !res.headers.has('content-encoding') ? (hooks.responseTransform?.(req, { status: summary.status, headers: resHeaders }) ?? null) : null;
            if (res.headers.has('content-encoding')) summary.notInspected = 'the raw hop decodes no content encodings';
            const out: OutgoingHttpHeaders = {};
            for (const [k, v] of res.headers) if (!HOP_BY_HOP.has(k)) out[k] = v;
            if (hasBody) out['transfer-encoding'] = 'chunked';
            toClient(headBlock(summary.status, out));
            reader = new BodyReader(hasBody ? (res.headers.get('transfer-encoding')?.includes('chunked') ? 'chunked' : Number(res.headers.get('content-length') ?? 0)) : 0);
            if (transform) {
              transform.on('data', frame);
              transform.on('end', () => {
                toClient('0\r\n\r\n');
                done();
              });
              transform.on('error', (e) => onBreak?.(e));
            }
            if (!hasBody) return done();
          }
          const pieces = reader.read(chunk);
          const data = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
          if (transform) {
            if (data.length) transform.write(data);
          } else frame(data);
          if (reader.ended) {
            onUpstream = null;
            onBreak = null;
            endBody();
          }
        };
      });
    };
  };

  const listener = await listenForConnects((raw, target) => {
    const client = new tls.TLSSocket(raw, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
    const colon = target.lastIndexOf(':');
    connection(client, { hostname: colon > 0 ? target.slice(0, colon) : target, port: colon > 0 ? Number(target.slice(colon + 1)) : 443 });
  });
  return { port: listener.port, caPem: ca.certPem, close: listener.close };
}

const CRLF = Buffer.from('\r\n', 'latin1');
