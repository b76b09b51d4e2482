/**
 * The mockttp WebSocket step for upgrades to intercepted hosts, one per upgrade, whatever
 * the connection: "refuse" answers 403 (VS Code's Responses-over-WebSocket transport then
 * falls back to HTTP, which Witness audits); "passthrough" opens the upgrade to the real
 * upstream (through the same `upstream.resolve` / `upstream.caFile` as audited requests),
 * relays its answer and then the raw bytes both ways, and reports every upgrade so it is
 * recorded as not inspected.
 *
 * It must never let an upgrade to an intercepted host through in "refuse" mode, and never
 * parse or keep frame contents (it cannot mask them). Registered in mockttp's WsStepLookup
 * (internal API, like ForwardStep; mockttp is pinned and test/faults/websocket-refusal.test.ts
 * fails if this breaks).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { ExchangeRequest, WebSocketSummary } from './exchange.js';
import type { UpstreamPool } from './upstream.js';

const STEP_TYPE = 'witness-intercepted-websocket';

/** Headers about the hop to the proxy, never sent upstream. Connection/Upgrade are kept: they are the upgrade. */
const NOT_FORWARDED = new Set(['proxy-connection', 'proxy-authorization', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'http2-settings', 'host']);

const REFUSAL_BODY = 'Witness audits Copilot over HTTP; WebSocket upgrades are refused so the client falls back to HTTP.\n';

interface MockttpWebSocketRequest {
  id: string;
  method: string;
  protocol: string;
  httpVersion: string;
  path: string;
  remoteIpAddress?: string;
  destination: { hostname: string; port: number };
  rawHeaders: Array<[string, string]>;
}

export interface InterceptedWebSocketStepOptions {
  mode: 'refuse' | 'passthrough';
  pool: UpstreamPool;
  onRefused(): void;
  onPassthrough(summary: WebSocketSummary): void;
  now?: () => number;
}

/** A step definition that is also its own implementation (local mockttp only). */
export class InterceptedWebSocketStep {
  readonly type = STEP_TYPE;
  static readonly isFinal = true;
  static fromDefinition = (d: InterceptedWebSocketStep) => d;

  constructor(private readonly opts: InterceptedWebSocketStepOptions) {}

  explain() {
    return this.opts.mode === 'refuse' ? 'refuse the WebSocket upgrade (403)' : 'pass the WebSocket through to the Copilot upstream and record it as not inspected';
  }

  /** mockttp disposes every step when the proxy stops (a restart on the same port); nothing to release here. */
  dispose(): void {}

  async handle(req: MockttpWebSocketRequest, socket: Duplex, head: Buffer): Promise<void> {
    if (this.opts.mode === 'refuse') {
      this.opts.onRefused();
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(REFUSAL_BODY)}\r\nconnection: close\r\n\r\n${REFUSAL_BODY}`,
      );
      return;
    }
    await this.passThrough(req, socket, head);
  }

  private passThrough(req: MockttpWebSocketRequest, socket: Duplex, head: Buffer): Promise<void> {
    const now = this.opts.now ?? Date.now;
    const protocol = req.protocol === 'wss' || req.protocol === 'https' ? 'https' : 'http';
    const host = req.destination.hostname;
    const port = req.destination.port;
    const headers = upgradeHeaders(req.rawHeaders);
    headers.host = port === (protocol === 'https' ? 443 : 80) ? host : `${host}:${port}`;
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

    return new Promise<void>((resolve) => {
      let reported = false;
      const report = (outcome: WebSocketSummary['outcome'], res: IncomingMessage | null, error: unknown) => {
        if (reported) return;
        reported = true;
        this.opts.onPassthrough({
          request: exchange,
          status: res?.statusCode ?? null,
          responseHeaders: res?.headers ?? null,
          outcome,
          error: error ? describeError(error) : null,
          timings: { start: exchange.startedAt, end: res ? now() : null },
        });
        resolve();
      };

      const upstreamReq = this.opts.pool.request(protocol, this.opts.pool.target(host, port), {
        method: req.method,
        path: req.path,
        headers,
        pooled: false,
      });
      const onClientGone = () => {
        upstreamReq.destroy();
        report('client-abort', null, null);
      };
      socket.once('close', onClientGone);
      socket.on('error', () => socket.destroy());

      upstreamReq.once('upgrade', (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => {
        socket.off('close', onClientGone);
        socket.write(responseHead(res));
        if (upstreamHead.length) socket.write(upstreamHead);
        if (head.length) upstream.write(head);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.once('close', () => upstream.destroy());
        upstream.once('close', () => socket.destroy());
        upstream.pipe(socket);
        socket.pipe(upstream);
        report('opened', res, null);
      });

      // The upstream answered without switching protocols: relay its answer as it is.
      upstreamReq.once('response', (res: IncomingMessage) => {
        socket.off('close', onClientGone);
        socket.write(responseHead(res, true));
        res.on('error', () => socket.destroy());
        res.pipe(socket);
        report('upstream-refused', res, null);
      });

      upstreamReq.once('error', (err) => {
        socket.off('close', onClientGone);
        if (!socket.destroyed) {
          const body = `Witness could not open the WebSocket to ${host}: ${describeError(err)}\n`;
          socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
        }
        report('upstream-error', null, err);
      });

      upstreamReq.end();
    });
  }
}

let registered = false;

/** Makes mockttp able to run InterceptedWebSocketStep (idempotent). */
export function registerInterceptedWebSocketStep(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  const impls = require('mockttp/dist/rules/websockets/websocket-step-impls') as { WsStepLookup: Record<string, unknown> };
  impls.WsStepLookup[STEP_TYPE] = InterceptedWebSocketStep;
  registered = true;
}

function upgradeHeaders(raw: Array<[string, string]>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of raw) {
    const key = k.toLowerCase();
    if (key.startsWith(':') || NOT_FORWARDED.has(key)) continue;
    const prev = out[key];
    out[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
  }
  return out;
}

/** The upstream's status line and headers as they came (raw, so casing and order are kept). */
function responseHead(res: IncomingMessage, closing = false): string {
  let out = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // A relayed refusal ends with the body; its transfer framing is redone by piping the decoded body.
    if (closing && /^(?:connection|transfer-encoding|keep-alive)$/i.test(raw[i]!)) continue;
    out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  if (closing) out += 'connection: close\r\n';
  return `${out}\r\n`;
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
