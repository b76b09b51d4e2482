/**
 * Loopback only: Witness must never become an open proxy or an open control API for the
 * LAN. Two layers: every listener binds a loopback address, and every accepted connection
 * is checked again here (a second line of defence should a future change bind more
 * widely). Ground floor: the proxy and the control API server both use it.
 */
import type { Server, Socket } from 'node:net';

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  if (a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Attaches the peer check to a server; `onRefused` counts refusals. */
export function refuseNonLoopbackPeers(server: Server, onRefused: (peer: string) => void): void {
  server.prependListener('connection', (socket: Socket) => {
    if (!isLoopbackAddress(socket.remoteAddress)) {
      onRefused(socket.remoteAddress ?? 'unknown');
      socket.destroy();
    }
  });
}
