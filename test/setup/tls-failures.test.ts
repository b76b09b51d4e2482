/**
 * The engine's TLS failure record through the real proxy: a client that does not trust the
 * Witness CA is counted with its SNI and time and turns status to "warn"; a handshake that
 * completes and closes without a request is not a failure (issue 20); a later successful
 * request clears the warning.
 */
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { connectTunnel, requestViaProxy, tlsThroughProxy } from '../helpers/proxy-client.js';
import { until } from './helpers.js';

let upstream: FakeUpstream;
let t: TestEngine;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

/** A client with only the public roots (the Witness CA not among them), as curl or Node would be. */
async function untrustedHandshake(host: string): Promise<string> {
  const socket = await connectTunnel(t.engine.proxyPort, `${host}:443`);
  return new Promise((resolve) => {
    const c = tls.connect({ socket, servername: host, ALPNProtocols: ['http/1.1'] });
    c.once('secureConnect', () => resolve('connected'));
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('TLS failures with SNI and time', () => {
  it('counts a client that rejects the Witness CA, with its SNI, and status says so in words', async () => {
    const before = t.engine.status().counters.tlsClientErrors;
    const t0 = Date.now();
    // The root in the chain (one-level CA) or only an issuing CA under it (two-level): either way, untrusted.
    expect(await untrustedHandshake('api.githubcopilot.com')).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    await until(() => t.engine.status().counters.tlsClientErrors > before);
    const s = t.engine.status();
    const last = s.tls.recentFailures.at(-1)!;
    expect(last.sni).toBe('api.githubcopilot.com');
    expect(Date.parse(last.time)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(s.tls.rejectedSinceLastSuccess).toBeGreaterThanOrEqual(1);
    expect(s.health.level).toBe('warn');
    expect(s.health.message).toMatch(/from (a client|clients) that do(es)? not trust the Witness CA in the last 10 min — run `witness doctor`/);
    expect(t.logs.some((l) => l.includes('TLS handshake with a client failed') && l.includes('api.githubcopilot.com'))).toBe(true);
  });

  it('does not count or warn about a completed handshake closed without a request', async () => {
    const before = t.engine.status().counters;
    const warnsBefore = t.logs.filter((l) => l.includes('TLS handshake with a client failed')).length;
    const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    socket.end();
    // Wait for mockttp's verdict on the closed socket, whichever way it goes.
    const changed = () => {
      const c = t.engine.status().counters;
      return c.tlsHandshakesWithoutRequest > before.tlsHandshakesWithoutRequest || c.tlsClientErrors > before.tlsClientErrors;
    };
    await until(changed);
    const after = t.engine.status().counters;
    expect(after.tlsClientErrors).toBe(before.tlsClientErrors);
    expect(after.tlsHandshakesWithoutRequest).toBe(before.tlsHandshakesWithoutRequest + 1);
    expect(t.logs.filter((l) => l.includes('TLS handshake with a client failed')).length).toBe(warnsBefore);
  });

  it('a successful request after the rejections clears the warning; the failures stay listed', async () => {
    const r = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/small', ca: t.caPem });
    expect(r.status).toBe(200);
    const s = t.engine.status();
    expect(s.tls.rejectedSinceLastSuccess).toBe(0);
    expect(s.health.level).toBe('ok');
    expect(s.tls.recentFailures.length).toBeGreaterThanOrEqual(1);
  });
});
