/**
 * A lean interception hop, for the paced bench: the relay's CONNECT and TLS termination
 * (relay.ts) with Node's own HTTP/1.1 server behind it in place of mockttp's, each request
 * handed to Witness's real forward step with a running engine's real hooks (request and
 * response masking, restore, holds, live events, the record and the audit append, content
 * decoding, upstream errors) and its upstream pool (same TLS settings and checks).
 *
 * Why: issue 13, point 3 (paced p99 ≤ 1 ms). The forward step already opens the upstream
 * request itself and streams each released event straight to the client; what Witness still
 * takes from mockttp on that path is the client side (its TLS server, HTTP server and request
 * and response wrappers, rule matching, its events). This hop drops exactly that part, so
 * "lean − relay" is the cost of Witness's own per-event work on a relay-style hop, and
 * "Witness − lean" what mockttp's client side adds. Bench and test only: it intercepts every
 * CONNECT, serves no PAC file, refuses nothing, and its leaf is signed by its own test CA.
 */
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import type { InterceptHooks } from '../../proxy/intercept/exchange.js';
import type { ForwardStep } from '../../proxy/intercept/forward-step.js';
import type { UpstreamPool } from '../../proxy/intercept/upstream.js';
import { createTestRoot, issueLeaf } from '../helpers/pki.js';
import { listenForConnects, type Relay } from './relay.js';

/** What the hop takes from a running engine: what its own proxy was given. */
export interface EngineParts {
  hooks: InterceptHooks;
  pool: UpstreamPool;
  maxInspectedBodyBytes?: number;
}

/**
 * The hooks, pool and body limit the engine gave its InterceptingProxy (engine.ts makeProxy):
 * the same objects, so the hop runs the engine's data path and its audit store, not a copy.
 * Reads private fields (bench only); throws if their shape has changed.
 */
export function engineParts(engine: object): EngineParts {
  const opts = (engine as { proxy?: { opts?: Partial<EngineParts> } }).proxy?.opts;
  if (!opts?.hooks || !opts.pool) throw new Error('lean hop: the engine has no proxy with hooks and a pool (engine.ts changed?)');
  return { hooks: opts.hooks, pool: opts.pool, maxInspectedBodyBytes: opts.maxInspectedBodyBytes };
}

export interface LeanHopOptions {
  /** The forward step class (from the sources or from a built dist/, as the engine's). */
  ForwardStep: typeof ForwardStep;
  parts: EngineParts;
  /** The name the hop's leaf is issued for. */
  hostname?: string;
}

export async function startLeanHop(opts: LeanHopOptions): Promise<Relay> {
  const hostname = opts.hostname ?? 'api.githubcopilot.com';
  const ca = await createTestRoot('Witness Bench Lean Hop Root');
  const leaf = await issueLeaf(ca, [hostname]);
  const context = tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
  const { pool, hooks, maxInspectedBodyBytes } = opts.parts;
  const step = new opts.ForwardStep({ pool, hooks, maxInspectedBodyBytes, responseTimeoutMs: pool.responseTimeoutMs, idleTimeoutMs: pool.idleTimeoutMs });
  let ids = 0;
  const targets = new WeakMap<net.Socket, { hostname: string; port: number }>();
  const server = http.createServer((req, res) => {
    const destination = targets.get(req.socket) ?? { hostname, port: 443 };
    const raw = req.rawHeaders;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    // The fields of mockttp's ongoing request the forward step reads; the body is the request itself.
    const ongoing = {
      id: `lean-${++ids}`,
      method: req.method ?? 'GET',
      protocol: 'https',
      httpVersion: req.httpVersion,
      path: req.url ?? '/',
      remoteIpAddress: req.socket.remoteAddress,
      destination,
      rawHeaders: pairs,
      body: { asStream: () => req },
    };
    step.handle(ongoing as never, res).catch((e: unknown) => res.destroy(e as Error));
  });
  const listener = await listenForConnects((raw, target) => {
    const client = new tls.TLSSocket(raw, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
    client.on('error', () => client.destroy());
    const colon = target.lastIndexOf(':');
    targets.set(client, { hostname: colon > 0 ? target.slice(0, colon) : target, port: colon > 0 ? Number(target.slice(colon + 1)) : 443 });
    server.emit('connection', client);
  });
  return {
    port: listener.port,
    caPem: ca.certPem,
    close: async () => {
      server.closeAllConnections();
      await listener.close();
    },
  };
}
