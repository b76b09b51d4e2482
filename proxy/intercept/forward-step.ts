/**
 * The mockttp step that carries an intercepted request to the real upstream and streams
 * the response back through the transform hook.
 *
 * Why a custom step: mockttp's beforeResponse/transformResponse buffer the whole body
 * (measured with mockttp 4.6.5: all 20 SSE events arrive at once), which would destroy
 * streaming and time-to-first-token. This step pipes upstream → decoder → hook → client
 * with backpressure, so each event is forwarded as soon as the hook releases it.
 * It registers itself in mockttp's StepLookup (internal API; mockttp is pinned and
 * test/integration/intercept.test.ts fails if incremental delivery breaks).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Transform } from 'node:stream';
import { createRequire } from 'node:module';
import type { ExchangeRequest, ExchangeSummary, InterceptHooks } from './exchange.js';
import { createDecoder, DEFAULT_MAX_DECODED_BYTES, isDecodedTooLarge } from '../content-decoding.js';
import { breakDetail, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS, isStallError, isUpstreamBreak, StallTimers, upstreamFailure } from './stall.js';
import type { UpstreamPool } from './upstream.js';
import { ClientTail, UpstreamTap } from './stream-stages.js';
import { skipMockttpBodyCopy } from './mockttp-body-copy.js';
import { collectBounded, hasNoBody } from './request-body.js';
import { wire } from './wire.js';

const STEP_TYPE = 'witness-forward';

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'host',
]);

interface MockttpOngoingRequest extends NodeJS.ReadableStream {
  id: string;
  method: string;
  protocol: string;
  httpVersion: string;
  path: string;
  remoteIpAddress?: string;
  destination: { hostname: string; port: number };
  rawHeaders: Array<[string, string]>;
  body: { asStream(): NodeJS.ReadableStream };
}

type MockttpOngoingResponse = ServerResponse;

export interface ForwardStepOptions {
  pool: UpstreamPool;
  hooks: InterceptHooks;
  /** Largest request body buffered for inspectRequest, and largest decoded response body. */
  maxInspectedBodyBytes?: number;
  /** Upstream answered no response head this long after the request was sent: 504 to the client. */
  responseTimeoutMs?: number;
  /** Neither a byte from the upstream nor one to the client for this long mid-body: the response is cut. */
  idleTimeoutMs?: number;
  /** Epoch-ms clock; injectable for tests. */
  now?: () => number;
}

/** A step definition that is also its own implementation (local mockttp only). */
export class ForwardStep {
  readonly type = STEP_TYPE;
  static readonly isFinal = true;
  static fromDefinition = (d: ForwardStep) => d;

  constructor(private readonly opts: ForwardStepOptions) {}

  explain() {
    return 'forward to the Copilot upstream through the Witness stream transform';
  }

  /** mockttp disposes every step when the proxy stops (a restart on the same port); nothing to release here. */
  dispose(): void {}

  async handle(req: MockttpOngoingRequest, res: MockttpOngoingResponse): Promise<void> {
    const now = this.opts.now ?? (() => performance.timeOrigin + performance.now());
    const { pool, hooks } = this.opts;
    const protocol = req.protocol === 'http' ? 'http' : 'https';
    const headers = forwardableHeaders(req.rawHeaders);
    const host = req.destination.hostname;
    const port = req.destination.port;
    const defaultPort = protocol === 'https' ? 443 : 80;
    headers.host = port === defaultPort ? host : `${host}:${port}`;

    const exchange: ExchangeRequest = {
      id: req.id,
      method: req.method,
      protocol,
      host,
      port,
      path: req.path,
      headers,
      clientAddress: req.remoteIpAddress,
      httpVersion: req.httpVersion,
      startedAt: now(),
    };
    const summary: ExchangeSummary = {
      request: exchange,
      status: null,
      timings: { start: exchange.startedAt, headers: null, firstByte: null, end: null },
      bytesFromUpstream: 0,
      bytesToClient: 0,
      outcome: 'ok',
      notInspected: null,
      error: null,
    };
    hooks.onExchangeStart?.(exchange);
    res.socket?.setNoDelay(true);

    // Request inspection happens before anything goes upstream.
    let bodySource: { head: Buffer[]; rest: NodeJS.ReadableStream | null } | null = null;
    if (hooks.inspectRequest) {
      // A request that says it has no body is not waited for (a GET's end of body took a few
      // turns of the event loop through mockttp's body reader); its stream is never read,
      // and Node's server discards it when the response ends.
      const stream = hasNoBody(req) ? null : req.body.asStream();
      let got: { chunks: Buffer[]; overflow: boolean };
      try {
        got = stream ? await collectBounded(stream, this.opts.maxInspectedBodyBytes ?? DEFAULT_MAX_DECODED_BYTES) : { chunks: [], overflow: false };
      } catch (e) {
        // The client went away or timed out mid-body (a Content-Length larger than the body
        // gets 408 from the listener): nothing went upstream; end the exchange so it is recorded.
        summary.outcome = 'client-abort';
        summary.error = `request body not received: ${describeError(e)}`;
        summary.timings.end = now();
        hooks.onExchangeEnd?.(summary);
        return;
      }
      // The body as one buffer: what the hooks read, and (unless they replace it) what goes upstream.
      const whole = got.overflow ? null : Buffer.concat(got.chunks);
      let action;
      try {
        action = await hooks.inspectRequest(exchange, whole);
      } catch (e) {
        action = {
          kind: 'respond' as const,
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify({ error: { message: `Witness could not inspect this request: ${describeError(e)}`, code: 'witness_inspection_failed' } })),
        };
      }
      if (action.kind === 'respond') {
        summary.status = action.status;
        summary.outcome = 'refused';
        res.writeHead(action.status, { ...action.headers, 'content-length': action.body.length });
        res.end(action.body);
        summary.bytesToClient = action.body.length;
        summary.timings.end = now();
        hooks.onExchangeEnd?.(summary);
        if (got.overflow) (stream as unknown as { resume(): void }).resume();
        return;
      }
      if (action.headers) {
        for (const k of Object.keys(headers)) delete headers[k];
        Object.assign(headers, action.headers);
        headers.host = port === defaultPort ? host : `${host}:${port}`;
      }
      if (action.body) {
        delete headers['transfer-encoding'];
        headers['content-length'] = String(action.body.length);
        bodySource = { head: [action.body], rest: null };
      } else {
        // One write of the whole body, not one per chunk read from the client (8-13 for a
        // 200 KB agent request): the upstream socket is attached on the next tick, and the
        // writes queued until then were flushed one by one, all after the last byte arrived.
        // No body: no write (an empty one would send the head before end() sets its framing).
        bodySource = whole ? { head: whole.length > 0 ? [whole] : [], rest: null } : { head: got.chunks, rest: stream };
      }
    }

    await new Promise<void>((resolve) => {
      let settled = false;
      const finish = (outcome?: ExchangeSummary['outcome'], error?: unknown) => {
        if (settled) return;
        settled = true;
        if (outcome) summary.outcome = outcome;
        if (error) summary.error = describeError(error);
        summary.timings.end = now();
        try {
          hooks.onExchangeEnd?.(summary);
        } finally {
          resolve();
        }
      };

      const upstreamReq = pool.request(protocol, pool.target(host, port), { method: req.method, path: req.path, headers });
      const stall = new StallTimers(upstreamReq, this.opts.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS, this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
      upstreamReq.once('finish', () => stall.awaitHead());
      upstreamReq.once('close', () => stall.clear());

      // The client went away: stop the upstream work too.
      res.once('close', () => {
        if (!res.writableFinished) {
          upstreamReq.destroy();
          finish('client-abort');
        }
      });

      // Once the body streams, its pipeline reports a failure (and may still end the client's stream cleanly).
      let streaming = false;
      upstreamReq.once('error', (err) => {
        if (streaming) return;
        stall.clear();
        if (res.headersSent) {
          res.destroy(err);
          finish(settled ? undefined : 'upstream-error', err);
          return;
        }
        const timedOut = isStallError(err);
        const body = JSON.stringify({
          error: timedOut
            ? { message: `Witness gave up waiting for ${host}: ${err.message}`, code: 'witness_upstream_timeout' }
            : { message: `Witness could not reach ${host}: ${describeError(err)}`, code: 'witness_upstream_unreachable' },
        });
        summary.status = timedOut ? 504 : 502;
        res.writeHead(summary.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        finish('upstream-error', err);
      });

      upstreamReq.once('response', (upstreamRes: IncomingMessage) => {
        summary.timings.headers = now();
        stall.awaitBody(upstreamRes);
        const status = upstreamRes.statusCode ?? 502;
        summary.status = status;
        const outHeaders = responseHeaders(upstreamRes);
        const hasBody = req.method !== 'HEAD' && status !== 204 && status !== 304 && !(status >= 100 && status < 200);

        let transform = hasBody ? hooks.responseTransform?.(exchange, { status, headers: upstreamRes.headers }) ?? null : null;
        let decoder: Transform | null = null;
        if (transform) {
          const decoded = createDecoder(upstreamRes.headers['content-encoding'], this.opts.maxInspectedBodyBytes ?? DEFAULT_MAX_DECODED_BYTES);
          if (decoded.ok) {
            decoder = decoded.stream;
            if (decoded.encodings.length > 0) delete outHeaders['content-encoding'];
            delete outHeaders['content-length']; // the transform may change the length
          } else {
            summary.notInspected = decoded.reason;
            transform.destroy();
            transform = null;
          }
        }

        res.writeHead(status, outHeaders);
        // The head goes out with the first body bytes when they come in this turn of the
        // event loop (one TLS record and one write instead of two: a small response, or an
        // event stream whose first event came with its head); otherwise on its own right
        // after, so the client sees headers (and starts its first-token clock) as before.
        setImmediate(() => {
          if (summary.bytesToClient === 0 && !res.writableEnded && !res.destroyed) res.flushHeaders();
        });

        // With a transform, what arrives in one turn of the event loop goes on as one chunk.
        const counter = new UpstreamTap((n) => {
          if (summary.timings.firstByte === null) summary.timings.firstByte = now();
          summary.bytesFromUpstream += n;
          stall.progress();
        }, transform !== null);
        // Bytes to the client count as progress too: a hold's keep-alive comments, or a slow
        // client that keeps the upstream paused by backpressure, are not a stalled upstream.
        const toClient = new ClientTail((n) => {
          summary.bytesToClient += n;
          stall.progress();
        });
        const stages: NodeJS.ReadWriteStream[] = [counter];
        if (decoder) stages.push(decoder);
        if (transform) stages.push(transform);
        const last = stages[stages.length - 1]!;

        // The client's response is outside the pipeline so that a failure upstream does not
        // destroy it: a stalled stream can still be ended in the client's protocol. Its writes
        // are seen by the tail (counted, last bytes kept) and are not copied for mockttp's own
        // 'response' event, which nothing reads.
        skipMockttpBodyCopy(res, toClient.saw);
        last.pipe(res as unknown as NodeJS.WritableStream);
        streaming = true;
        // Listening before the pipeline does: the client socket is corked before the last
        // bytes start down the stages.
        // HTTP/1 only: an HTTP/2 response's `socket` stands for the whole session, not this stream.
        if (req.httpVersion.startsWith('1.')) upstreamRes.once('end', () => corkTail(res));
        // wire() is pipeline() at less cost per response (wire.ts): the same outcome for every fault.
        wire([upstreamRes, ...stages], (err) => {
          stall.clear();
          if (!err) {
            if (res.writableFinished) finish('ok');
            else res.once('finish', () => finish('ok'));
            return;
          }
          last.unpipe(res as unknown as NodeJS.WritableStream);
          // What the upstream sent (or failed to send) broke the response, not the client.
          const upstreamFault = isDecodedTooLarge(err) || isStallError(err) || isUpstreamBreak(err);
          if (isDecodedTooLarge(err)) summary.notInspected = `${err.message}: decoding stopped there and the response was cut`;
          if (res.writableFinished) return finish();
          const what = isUpstreamBreak(err) ? `the upstream connection broke mid-body: ${breakDetail(err)}` : isStallError(err) ? err.message : describeError(err);
          // The client is still there (a client abort has settled the exchange already): end
          // an event stream in its own protocol, on an event boundary, after what was released.
          const failure = !res.destroyed && summary.outcome === 'ok' ? upstreamFailure(err, host) : null;
          const tail = failure ? hooks.streamFailure?.(exchange, failure) : null;
          if (tail) {
            const bytes = toClient.boundary() + tail.raw;
            summary.bytesToClient += Buffer.byteLength(bytes);
            res.end(bytes);
            return finish('upstream-error', `${what}; the client was sent ${tail.says}, ending its stream`);
          }
          if (!res.destroyed && summary.outcome === 'ok') {
            // A body with no error form (JSON, text), or Witness's own transform failed: after the
            // head no clean status is possible, and the client must see a broken response, not a
            // silently truncated "complete" one.
            res.destroy(err);
            if (upstreamFault) return finish('upstream-error', `${what}; the client's response was cut (no error form for this body)`);
          }
          finish(res.destroyed && !upstreamRes.destroyed && !upstreamFault ? 'client-abort' : 'upstream-error', err);
        });
      });

      if (bodySource) {
        for (const c of bodySource.head) upstreamReq.write(c);
        if (bodySource.rest) {
          bodySource.rest.on('error', (e) => upstreamReq.destroy(e));
          bodySource.rest.pipe(upstreamReq);
          (bodySource.rest as unknown as { resume(): void }).resume();
        } else upstreamReq.end();
      } else {
        const body = req.body.asStream();
        body.on('error', (e) => upstreamReq.destroy(e));
        body.pipe(upstreamReq);
      }
    });
  }
}

let registered = false;

/** Makes mockttp able to run ForwardStep (idempotent). */
export function registerForwardStep(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  const impls = require('mockttp/dist/rules/requests/request-step-impls') as { StepLookup: Record<string, unknown> };
  impls.StepLookup[STEP_TYPE] = ForwardStep;
  registered = true;
}

function forwardableHeaders(raw: Array<[string, string]>): OutgoingHttpHeaders {
  const connectionTokens = new Set<string>();
  for (const [k, v] of raw) {
    if (k.toLowerCase() === 'connection') v.split(',').forEach((t) => connectionTokens.add(t.trim().toLowerCase()));
  }
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of raw) {
    const key = k.toLowerCase();
    if (key.startsWith(':') || HOP_BY_HOP.has(key) || connectionTokens.has(key)) continue;
    const prev = out[key];
    if (prev === undefined) out[key] = v;
    else if (key === 'cookie') out[key] = `${String(prev)}; ${v}`;
    else out[key] = Array.isArray(prev) ? [...prev, v] : [String(prev), v];
  }
  return out;
}

/** The upstream response's headers as forwarded to the client: without hop-by-hop ones (exported for tests). */
export function responseHeaders(res: Pick<IncomingMessage, 'headers'>): OutgoingHttpHeaders {
  // Names a Connection header lists are hop-by-hop too (none without one: no set to build).
  const connection = res.headers.connection;
  const connectionTokens = connection ? new Set(connection.split(',').map((t) => t.trim().toLowerCase())) : null;
  const out: OutgoingHttpHeaders = {};
  const headers = res.headers;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || HOP_BY_HOP.has(k) || connectionTokens?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The upstream's body has ended: what the stages still release (the last event, or a whole
 * buffered body) and the chunked terminator `res.end()` writes go to the client in one
 * socket write, so one TLS record. Uncorked they went as two, and the client's response
 * was complete only with the second one (seen with strace on a keep-alive `/small`: a
 * 239-byte record, then a 27-byte one). `res.end()` uncorks fully; if the stages have not
 * ended by the next check phase (a tool call held at the end of a stream, a slow flush),
 * what is there goes out then.
 */
function corkTail(res: MockttpOngoingResponse) {
  const socket = res.socket;
  if (!socket || res.writableEnded || socket.destroyed) return;
  socket.cork();
  setImmediate(() => {
    if (!res.writableEnded && res.socket === socket) socket.uncork();
  });
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
