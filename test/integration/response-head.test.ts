/**
 * When the response head reaches the client: with the first body bytes when they come in
 * the same turn (one TLS record instead of two, the keep-alive cost measured in issue 12),
 * and on its own, right away, when the body is slow (the client's first-token clock).
 */
import { once } from 'node:events';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';

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

/** Each TLS read the client makes, as text (one TLS record each). */
function reads(socket: tls.TLSSocket): string[] {
  const out: string[] = [];
  socket.on('data', (d: Buffer) => out.push(d.toString('latin1')));
  return out;
}

describe('response head', () => {
  it('reaches the client in the same TLS record as a small body', async () => {
    const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const got = reads(socket);
    socket.write('GET /small HTTP/1.1\r\nhost: api.githubcopilot.com\r\n\r\n');
    await expect.poll(() => got.join(''), { timeout: 20_000 }).toMatch(/\r\n0\r\n\r\n$/);
    expect(got[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(got[0]).toContain('small response body');
    socket.destroy();
  });

  it('goes out alone, before the body, when the body is slow', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    upstream.scripts.set('slow-json', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      void released.then(() => res.end('{"late":true}'));
    });
    const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const got = reads(socket);
    socket.write('GET /slow?script=slow-json HTTP/1.1\r\nhost: api.githubcopilot.com\r\n\r\n');
    await expect.poll(() => got.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(got[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(got.join('')).not.toContain('late');
    release();
    await expect.poll(() => got.join(''), { timeout: 20_000 }).toContain('{"late":true}');
    socket.destroy();
    await once(socket, 'close');
  });
});
