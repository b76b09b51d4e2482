/**
 * Connections from Witness to the real Copilot servers. One keep-alive agent per
 * upstream, shared by every client connection (mockttp's passthrough isolates agents per
 * downstream connection, so each new IDE connection paid a fresh upstream handshake).
 *
 * `resolve` sends a hostname to another host:port like curl --resolve: the TCP target
 * changes, the TLS name checked (SNI + certificate) does not. Extra upstream CAs are
 * loaded once into a shared secure context, never rebuilt per connection (mockttp's
 * additionalTrustedCAs cost 31 ms per new connection, measured).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { WitnessError } from '../errors.js';

export interface UpstreamTarget {
  /** Where the TCP connection goes. */
  connectHost: string;
  connectPort: number;
  /** The name TLS verifies (and the Host header carries). */
  servername: string;
}

export interface UpstreamOptions {
  resolve: Record<string, string>;
  caFile: string | null;
  connectTimeoutMs: number;
  /** No response head this long after the request was sent (forward step). */
  responseTimeoutMs?: number;
  /** Nothing moving mid-body this long (forward step). */
  idleTimeoutMs?: number;
}

export class UpstreamPool {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly resolveMap: Map<string, { host: string; port: number }>;
  private readonly secureContext: tls.SecureContext | undefined;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;

  constructor(opts: UpstreamOptions) {
    this.connectTimeoutMs = opts.connectTimeoutMs;
    this.responseTimeoutMs = opts.responseTimeoutMs;
    this.idleTimeoutMs = opts.idleTimeoutMs;
    this.resolveMap = new Map(Object.entries(opts.resolve).map(([name, hp]) => [name.toLowerCase(), splitHostPort(hp)]));
    let secureContext: tls.SecureContext | undefined;
    if (opts.caFile) {
      let extra: string;
      try {
        extra = readFileSync(opts.caFile, 'utf8');
      } catch (e) {
        throw new WitnessError('CONFIG_INVALID', `upstream.caFile: cannot read ${opts.caFile}: ${(e as Error).message}`, { cause: e });
      }
      if (!extra.includes('BEGIN CERTIFICATE')) {
        throw new WitnessError('CONFIG_INVALID', `upstream.caFile: ${opts.caFile} holds no PEM certificate`);
      }
      secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, extra] });
    }
    this.secureContext = secureContext;
    const common = { keepAlive: true, keepAliveMsecs: 15_000, maxFreeSockets: 16, scheduling: 'lifo' as const };
    this.httpsAgent = new https.Agent({ ...common, ...(secureContext ? { secureContext } : {}) });
    this.httpAgent = new http.Agent(common);
  }

  target(hostname: string, port: number): UpstreamTarget {
    const override = this.resolveMap.get(hostname.toLowerCase());
    return {
      connectHost: override?.host ?? hostname,
      connectPort: override?.port ?? port,
      servername: hostname,
    };
  }

  /**
   * Starts an upstream request. The caller owns the returned request (body, errors, abort).
   * `pooled: false` opens a connection of its own (a WebSocket upgrade keeps its socket).
   */
  request(
    protocol: 'http' | 'https',
    t: UpstreamTarget,
    init: { method: string; path: string; headers: http.OutgoingHttpHeaders; pooled?: boolean },
  ): http.ClientRequest {
    const pooled = init.pooled ?? true;
    const common = {
      host: t.connectHost,
      port: t.connectPort,
      method: init.method,
      path: init.path,
      headers: init.headers,
      setHost: false,
    };
    const req =
      protocol === 'https'
        ? https.request({
            ...common,
            agent: pooled ? this.httpsAgent : false,
            ...(!pooled && this.secureContext ? { secureContext: this.secureContext } : {}),
            servername: isIP(t.servername) ? undefined : t.servername,
            // With `resolve`, verify against the original name, not the address we dialled.
            checkServerIdentity: (_host, cert) => tls.checkServerIdentity(t.servername, cert),
          })
        : http.request({ ...common, agent: pooled ? this.httpAgent : false });
    req.on('socket', (socket) => {
      socket.setNoDelay(true);
      const connecting = (socket as { connecting?: boolean }).connecting;
      if (!connecting) return;
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`connect timeout after ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, this.connectTimeoutMs);
      const clear = () => clearTimeout(timer);
      socket.once(protocol === 'https' ? 'secureConnect' : 'connect', clear);
      socket.once('close', clear);
    });
    return req;
  }

  close() {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

function splitHostPort(hp: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(hp);
  if (!m) throw new WitnessError('CONFIG_INVALID', `"${hp}" is not host:port`);
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}
