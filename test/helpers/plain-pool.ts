/**
 * An upstream pool for forward-step tests: a plain HTTP upstream on loopback, started here,
 * every request a fresh connection to it (no TLS, no keep-alive).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpstreamPool } from '../../proxy/intercept/upstream.js';

/** Starts `upstream` on a loopback port; returns the port and a pool whose requests go there. */
export async function plainUpstreamPool(upstream: http.Server): Promise<{ port: number; pool: UpstreamPool }> {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  const pool = {
    target: () => ({}),
    request: (_p: string, _t: unknown, o: { method: string; path: string; headers: http.OutgoingHttpHeaders }) =>
      http.request({ host: '127.0.0.1', port, method: o.method, path: o.path, headers: o.headers, agent: false }),
  } as unknown as UpstreamPool;
  return { port, pool };
}
