/**
 * Interception paused: a CONNECT to an intercepted (Copilot) host becomes a plain TCP tunnel
 * to the same upstream the intercepted traffic would reach (upstream.resolve honoured),
 * without TLS interception, so nothing in it is inspected, masked, held or recorded, except
 * that it happened: each tunnel is summarised when it closes (host, port, client, times,
 * bytes each way, the pause that let it through) and becomes an audit record that says it
 * was not audited. Tunnels are tracked so that resuming closes them: traffic must not stay
 * unaudited past the pause through a kept-alive connection.
 * Never reads or keeps the tunnelled bytes; only counts them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { emptyInteraction, type Interaction } from '../model/index.js';
import { planForHost } from './hosts.js';
import type { UpstreamPool } from './upstream.js';

/** Who paused interception and since when: carried by every tunnel opened meanwhile. */
export interface PauseInfo {
  since: string;
  by: string;
}

export interface PausedTunnelSummary {
  id: string;
  hostname: string;
  port: number;
  /** The client's User-Agent on the CONNECT request, if it sent one. */
  userAgent: string | null;
  pause: PauseInfo;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Client → upstream and upstream → client, as counted at the tunnel. */
  bytesSent: number;
  bytesReceived: number;
  /** Why the tunnel could not be opened or broke, or null. */
  error: string | null;
}

/** `host:port` of a CONNECT request line (IPv6 in brackets), or null. */
export function connectTarget(url: string | undefined): { hostname: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(url ?? '');
  if (!m) return null;
  const port = Number(m[3]);
  return port > 0 && port < 65536 ? { hostname: (m[1] ?? m[2])!.toLowerCase(), port } : null;
}

/** Open paused tunnels, so that resuming can close them. */
export class PausedTunnels {
  private readonly open = new Set<net.Socket>();

  constructor(
    private readonly pool: UpstreamPool,
    private readonly onClosed: (s: PausedTunnelSummary) => void,
    private readonly now: () => number = Date.now,
    /** Close a tunnel when nothing moves either way for this long (config limits.tunnelIdleTimeoutMs). */
    private readonly idleTimeoutMs = 300_000,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Answers the CONNECT on `client` with a tunnel to the host's upstream. */
  tunnel(req: IncomingMessage, client: net.Socket, head: Buffer, target: { hostname: string; port: number }, pause: PauseInfo): void {
    const start = this.now();
    const to = this.pool.target(target.hostname, target.port);
    const upstream = net.connect({ host: to.connectHost, port: to.connectPort });
    upstream.setNoDelay(true);
    let bytesSent = 0;
    let bytesReceived = 0;
    let error: string | null = null;
    let connected = false;
    this.open.add(client);
    client.setTimeout(this.idleTimeoutMs, () => client.destroy());
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error(`connect timeout after ${this.pool.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })), this.pool.connectTimeoutMs);
    upstream.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      client.write(`HTTP/${req.httpVersion} 200 Connection Established\r\n\r\n`);
      if (head.length) {
        bytesSent += head.length;
        upstream.write(head);
      }
      client.on('data', (d: Buffer) => void (bytesSent += d.length));
      upstream.on('data', (d: Buffer) => void (bytesReceived += d.length));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      error ??= `upstream ${to.connectHost}:${to.connectPort}: ${e.code ?? e.message}`;
      if (!connected && !client.destroyed) client.end(`HTTP/${req.httpVersion} 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      else client.destroy();
    });
    client.on('error', (e: NodeJS.ErrnoException) => {
      error ??= `client: ${e.code ?? e.message}`;
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => {
      clearTimeout(timer);
      upstream.destroy();
      this.open.delete(client);
      const ua = req.headers['user-agent'];
      this.onClosed({
        id: randomUUID(),
        hostname: target.hostname,
        port: target.port,
        userAgent: typeof ua === 'string' ? ua : null,
        pause,
        start,
        end: this.now(),
        bytesSent,
        bytesReceived,
        error,
      });
    });
  }

  /** Resumed: every paused tunnel is closed now (each is still recorded as it closes). */
  closeAll(): number {
    const n = this.open.size;
    for (const s of this.open) s.destroy();
    return n;
  }
}

/** What an auditor reads about a paused tunnel: that it was not audited, why, and its extent. */
export function pausedTunnelInteraction(s: PausedTunnelSummary): Interaction {
  const target = `${s.hostname}:${s.port}`;
  return {
    ...emptyInteraction({
      id: s.id,
      time: new Date(s.start).toISOString(),
      endpoint: 'other',
      method: 'CONNECT',
      host: s.hostname,
      path: target,
      plan: planForHost(s.hostname),
      client: { editor: null, editorVersion: null, plugin: null, integrationId: null, intent: null, initiator: null, interactionId: null, requestId: null, userAgent: s.userAgent },
    }),
    notInspected: [
      `interception paused by ${s.pause.by} since ${s.pause.since}: the TLS tunnel to ${target} passed unaudited for ${Math.max(0, s.end - s.start)} ms (${s.bytesSent} bytes sent, ${s.bytesReceived} received)`,
    ],
    status: s.error ? 'upstream-error' : 'ok',
    errors: s.error ? [s.error] : [],
    timings: { start: s.start, firstByte: null, firstToken: null, end: s.end },
    unaudited: { reason: 'interception-paused', pausedSince: s.pause.since, pausedBy: s.pause.by, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived },
  };
}
