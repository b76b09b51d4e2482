/**
 * Issue 20.2: /proxy.pac answered 200 once and 404 afterwards, so a machine configured with
 * the PAC fell back to DIRECT (around Witness). The PAC is served on every request with
 * caching headers (ETag, 304 on If-None-Match) and counted; the proxy's other rules (the
 * self 404, the intercepted-host rule) hold on every request as well.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { runCli } from '../helpers/cli.js';

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

/** A direct request to the proxy's own port (as an OS fetching its PAC does), on a fresh connection. */
function direct(path: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: t.engine.proxyPort, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the PAC file is served on every request', () => {
  it('answers 200 with the same PAC ten times in a row, with cache-control and an ETag', async () => {
    const first = await direct('/proxy.pac');
    expect(first.status).toBe(200);
    expect(first.body).toContain('function FindProxyForURL');
    expect(first.headers['cache-control']).toMatch(/^max-age=\d+$/);
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    for (let i = 0; i < 9; i++) {
      const again = await direct(i % 2 ? '/proxy.pac' : '/proxy.pac?t=' + i);
      expect(again.status, `request #${i + 2}`).toBe(200);
      expect(again.body).toBe(first.body);
      expect(again.headers.etag).toBe(first.headers.etag);
    }
  });

  it('answers 304 without a body when the client already has this version, 200 when it has another', async () => {
    const { headers } = await direct('/proxy.pac');
    const etag = String(headers.etag);
    const cached = await direct('/proxy.pac', { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe(etag);
    expect((await direct('/proxy.pac', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    const stale = await direct('/proxy.pac', { 'if-none-match': '"an-older-pac"' });
    expect(stale.status).toBe(200);
    expect(stale.body).toContain('FindProxyForURL');
  });

  it('keeps serving the PAC after other requests to the proxy itself, which keep getting the explanatory 404', async () => {
    for (let i = 0; i < 3; i++) {
      const other = await direct(`/something-else-${i}`);
      expect(other.status).toBe(404);
      expect(other.body).toContain('This is the Witness proxy');
      expect((await direct('/proxy.pac')).status).toBe(200);
    }
  });

  it('keeps auditing intercepted requests, interleaved with PAC and self requests', async () => {
    const before = upstream.requests.length;
    for (let i = 0; i < 4; i++) {
      const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.business.githubcopilot.com', path: `/small?rule=${i}`, ca: t.caPem });
      expect(res.status).toBe(200);
      expect((await direct('/proxy.pac')).status).toBe(200);
      expect((await direct('/nope')).status).toBe(404);
    }
    expect(upstream.requests.slice(before).map((r) => r.url)).toEqual([0, 1, 2, 3].map((i) => `/small?rule=${i}`));
  });

  it('counts PAC requests (304s included) in the status counters, over the control API and `witness status --json`', async () => {
    const before = t.engine.status().counters.pacRequests;
    await direct('/proxy.pac');
    await direct('/proxy.pac', { 'if-none-match': '*' });
    await direct('/not-the-pac');
    const status = await createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken }).call('status', {});
    expect(status.counters.pacRequests).toBe(before + 2);
    expect(before).toBeGreaterThanOrEqual(20);
    const cli = await runCli(['status', '--json', '--data-dir', t.dataDir]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).counters.pacRequests).toBe(before + 2);
  }, 60_000);
});
