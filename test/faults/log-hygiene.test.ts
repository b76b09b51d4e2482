/**
 * Issue 20: the engine wrote third-party lines (mockttp's "Failed to handle request:
 * getaddrinfo ENOTFOUND …") raw between its JSON lines, and a TLS handshake followed by no
 * request logged "is the Witness CA trusted?" although nothing failed. A spawned engine's
 * stdout and stderr are read whole: every line is JSON, the third-party line arrives
 * through the logger, and only a real handshake failure warns.
 */
import http from 'node:http';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { connectTunnel, tlsThroughProxy } from '../helpers/proxy-client.js';
import { spawnEngine, type SpawnedEngine } from './support/spawned-engine.js';

let upstream: FakeUpstream;
let engine: SpawnedEngine;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  engine = await spawnEngine(upstream);
});
afterAll(async () => {
  await engine?.stop();
  await upstream?.close();
});

const lines = () => [...engine.run.stdout().split('\n'), ...engine.run.stderr().split('\n')].filter((l) => l.trim() !== '');
const parsed = () => lines().map((l) => JSON.parse(l) as { level: string; msg: string; line?: string });

describe('everything the engine prints is a JSON line', () => {
  it('routes mockttp\'s "Failed to handle request" through the logger', async () => {
    // A plain-HTTP proxy request to a name that does not resolve: mockttp's passthrough fails and prints.
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: engine.proxyPort, method: 'GET', path: 'http://witness-no-such-host.invalid/x', headers: { host: 'witness-no-such-host.invalid' } }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
    });
    await expect.poll(() => lines().some((l) => l.includes('ENOTFOUND')), { timeout: 30_000 }).toBe(true);
    for (const l of lines()) expect(() => JSON.parse(l), l).not.toThrow();
    const routed = parsed().find((l) => l.line?.includes('ENOTFOUND'));
    expect(routed).toMatchObject({ msg: 'third-party log line' });
  });

  it('does not warn about CA trust for a handshake with no request after it, and does warn for a real failure', async () => {
    const quiet = await tlsThroughProxy(engine.proxyPort, 'api.githubcopilot.com', 443, { ca: engine.caPem });
    await new Promise<void>((resolve) => {
      quiet.once('close', () => resolve());
      quiet.end();
    });
    // A client that does not trust the Witness CA rejects the certificate: a real failure.
    const socket = await connectTunnel(engine.proxyPort, 'api.githubcopilot.com:443');
    await new Promise<void>((resolve) => {
      const t = tls.connect({ socket, servername: 'api.githubcopilot.com', ca: upstream.root.certPem });
      t.once('error', () => resolve());
      t.once('secureConnect', () => resolve());
    });
    const trusted = () => parsed().filter((l) => /Witness CA trusted/.test(l.msg));
    await expect.poll(() => trusted().length, { timeout: 30_000 }).toBe(1);
    for (const l of lines()) expect(() => JSON.parse(l), l).not.toThrow();
  });
});
