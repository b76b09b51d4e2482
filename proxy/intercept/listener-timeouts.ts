/**
 * Timeouts on every connection the proxy listener accepts, so that no client can keep a
 * socket (and its buffers) open by saying nothing (issue 20: half-sent heads, silent
 * sockets, a CONNECT with no TLS hello, a tunnel with a short body and idle raw tunnels
 * stayed open for 330 s and more). Each layer gets the timeout that fits it:
 *  - a raw socket (new, or just turned into a tunnel by CONNECT) must hand its first bytes
 *    to a protocol within `handshakeTimeoutMs`; the TLS handshake must then finish within it;
 *  - HTTP/1 (plain or inside intercepted TLS): Node's own head, request, keep-alive and
 *    inactivity timeouts; a request slower than `requestTimeoutMs` (a short body) gets 408;
 *  - HTTP/2 sessions: inactivity;
 *  - tunnels Witness does not inspect: inactivity, either direction.
 * Inactivity timers count bytes both ways, so streaming answers and keep-alive comments keep
 * a connection open. Never reads or consumes a byte itself.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';

export interface ListenerTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  tunnelIdleTimeoutMs: number;
}

/** The sub-servers @httptoolkit/httpolyglot dispatches to (pinned with mockttp). */
interface PolyglotServer extends net.Server {
  _httpServer: http.Server;
  _http2Server: http2.Http2Server;
  _tlsServer: tls.Server | NodeJS.EventEmitter;
}

type PassthroughListener = (socket: net.Socket, hostname: string, port?: number) => void;

/** What mockttp's combo-server factory is given: the passthrough listeners are wrapped. */
export interface ComboOptions {
  tlsPassthroughListener?: PassthroughListener;
  rawPassthroughListener?: PassthroughListener;
}

/** Before the server is built: tunnels the proxy passes through get an inactivity timeout. */
export function wrapPassthrough(opts: ComboOptions, t: ListenerTimeouts): void {
  for (const key of ['tlsPassthroughListener', 'rawPassthroughListener'] as const) {
    const original = opts[key];
    if (!original) continue;
    opts[key] = (socket, hostname, port) => {
      idleTunnel(socket, t.tunnelIdleTimeoutMs);
      original(socket, hostname, port);
    };
  }
}

/** A tunnel's client socket: closed when nothing moves either way (the pipe then closes the upstream). */
export function idleTunnel(socket: net.Socket, ms: number): void {
  socket.setTimeout(ms, () => socket.destroy());
}

/** After the server is built, before it listens. */
export function applyListenerTimeouts(server: net.Server, t: ListenerTimeouts): void {
  const poly = server as PolyglotServer;
  const h1 = poly._httpServer;
  if (!h1 || !poly._http2Server) throw new Error('mockttp/httpolyglot internals changed: cannot set listener timeouts');
  h1.headersTimeout = t.headersTimeoutMs;
  h1.requestTimeout = t.requestTimeoutMs;
  h1.keepAliveTimeout = t.keepAliveTimeoutMs;
  h1.timeout = t.idleTimeoutMs;
  // Node checks head and request deadlines from a timer it starts when a server listens; this
  // sub-server never listens (httpolyglot hands it sockets), so start that timer here.
  (h1 as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(t.headersTimeoutMs / 4)));
  const tracking = h1.listeners('listening')[0] as ((this: http.Server) => void) | undefined;
  if (!tracking || tracking.name !== 'setupConnectionsTracking') throw new Error('Node http internals changed: cannot track request deadlines');
  tracking.call(h1);
  answerTimeoutsWith408(h1, t);
  server.once('close', () => {
    const interval = Object.getOwnPropertySymbols(h1).find((k) => k.description === 'http.server.connectionsCheckingInterval');
    if (interval) clearInterval((h1 as unknown as Record<symbol, NodeJS.Timeout>)[interval]);
  });
  poly._http2Server.setTimeout(t.idleTimeoutMs);
  if (poly._tlsServer instanceof tls.Server) {
    (poly._tlsServer as tls.Server & { handshakeTimeout: number }).handshakeTimeout = t.handshakeTimeoutMs;
  }

  // A raw socket not yet handed to a protocol: httpolyglot waits for its first bytes without
  // a deadline, and a CONNECT tunnel comes back here for the bytes inside it.
  const claimed = new WeakSet<net.Socket>();
  const claim = (s: unknown) => {
    if (s instanceof net.Socket) claimed.add(s);
  };
  for (const sub of [h1, poly._http2Server, poly._tlsServer] as NodeJS.EventEmitter[]) sub.on('connection', claim);
  const unknown = (poly as { _unknownProtocolHandler?: NodeJS.EventEmitter })._unknownProtocolHandler;
  unknown?.on('connection', claim);
  // prependListener reaches the sub-servers too (httpolyglot forwards listeners): only the
  // raw sockets the outer server accepts or gets back from CONNECT are ours to time.
  server.prependListener('connection', function (this: unknown, socket: unknown) {
    if (this !== server || !(socket instanceof net.Socket) || socket instanceof tls.TLSSocket) return;
    claimed.delete(socket);
    const timer = setTimeout(() => {
      if (!claimed.has(socket) && !socket.destroyed) socket.destroy();
    }, t.handshakeTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * Node reports a head or request deadline as a clientError; mockttp answers every
 * clientError with "400 Bad Request", or nothing at all once a request was dispatched (a
 * body shorter than its Content-Length). Deadlines are answered here instead, before mockttp
 * sees them: 408 with a JSON error, then the connection is closed.
 */
function answerTimeoutsWith408(h1: http.Server, t: ListenerTimeouts): void {
  const emit = h1.emit.bind(h1) as (event: string | symbol, ...args: unknown[]) => boolean;
  (h1 as { emit: unknown }).emit = (event: string | symbol, ...args: unknown[]) => {
    const [err, socket] = args as [{ code?: string } | undefined, net.Socket | undefined];
    if (event !== 'clientError' || err?.code !== 'ERR_HTTP_REQUEST_TIMEOUT' || !socket) return emit(event, ...args);
    const res = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (socket.writable && !res?.headersSent) {
      const body = JSON.stringify({
        error: { message: `Witness closed this connection: the request was not received in time (limits.headersTimeoutMs ${t.headersTimeoutMs} ms, limits.requestTimeoutMs ${t.requestTimeoutMs} ms).`, code: 'witness_request_timeout' },
      });
      socket.end(`HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      socket.destroySoon();
    } else socket.destroy();
    return true;
  };
}
