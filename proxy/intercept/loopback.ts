/**
 * Binding mockttp to loopback: its listeners must bind the host we choose and check every
 * peer (proxy/loopback.ts) before the first connection.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { Socket, type Server } from 'node:net';
import { isLoopbackAddress, refuseNonLoopbackPeers } from '../loopback.js';
import { applyListenerTimeouts, wrapPassthrough, type ComboOptions, type ListenerTimeouts } from './listener-timeouts.js';

export { isLoopbackAddress };

/**
 * mockttp 4.6.5 calls `server.listen(port)` with no host, i.e. on every interface. We wrap its
 * (CommonJS) combo-server factory once so that listen() binds the host we choose and the peer
 * check is installed before the first connection. The version is pinned; a test asserts the
 * listening address, so an upgrade that changes this fails loudly.
 */
type ComboFactory = (opts: unknown) => Promise<Server>;
interface ComboModule {
  createComboServer: ComboFactory;
}

/** Sees each HTTP/1 CONNECT first; true when it took the socket (mockttp then never sees it). */
export type ConnectGate = (req: IncomingMessage, socket: Socket, head: Buffer) => boolean;

let bindHost: string | null = null;
let onRefusedPeer: (peer: string) => void = () => {};
let connectGate: ConnectGate | null = null;
let timeouts: ListenerTimeouts | null = null;
let patched = false;
let queue: Promise<unknown> = Promise.resolve();

function patchMockttp() {
  if (patched) return;
  const require = createRequire(import.meta.url);
  const mod = require('mockttp/dist/server/http-combo-server') as ComboModule;
  const original = mod.createComboServer;
  mod.createComboServer = async (opts: unknown) => {
    const t = timeouts;
    if (t) wrapPassthrough(opts as ComboOptions, t);
    const server = await original(opts);
    if (t) applyListenerTimeouts(server, t);
    const host = bindHost;
    if (host) {
      const refused = onRefusedPeer;
      refuseNonLoopbackPeers(server, refused);
      const listen = server.listen.bind(server) as (...args: unknown[]) => Server;
      (server as { listen: unknown }).listen = (port: number) => listen({ port, host, exclusive: true });
    }
    const gate = connectGate;
    if (gate) {
      // mockttp's own CONNECT handling runs only for what the gate leaves (interception paused).
      const own = server.listeners('connect') as Array<(...args: unknown[]) => void>;
      server.removeAllListeners('connect');
      server.on('connect', (req: IncomingMessage, socket: unknown, head: Buffer) => {
        if (socket instanceof Socket && gate(req, socket, head)) return;
        for (const l of own) l.call(server, req, socket, head);
      });
    }
    return server;
  };
  patched = true;
}

/**
 * Runs `start` (a mockttp start call) so that the server it creates binds `host` only (and
 * sees CONNECTs through `gate`), with `limits` on every connection it accepts.
 */
export async function startOnLoopback<T>(
  host: string,
  onRefused: (peer: string) => void,
  start: () => Promise<T>,
  gate: ConnectGate | null = null,
  limits: ListenerTimeouts | null = null,
): Promise<T> {
  patchMockttp();
  const run = queue.then(async () => {
    bindHost = host;
    onRefusedPeer = onRefused;
    connectGate = gate;
    timeouts = limits;
    try {
      return await start();
    } finally {
      bindHost = null;
      onRefusedPeer = () => {};
      connectGate = null;
      timeouts = null;
    }
  });
  queue = run.catch(() => {});
  return run;
}
