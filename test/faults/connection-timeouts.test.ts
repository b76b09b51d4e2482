/**
 * Issue 20: half-sent heads, silent sockets, a CONNECT with no TLS hello, a TLS tunnel with
 * a short body and idle raw tunnels stayed open indefinitely (330 s observed). Every
 * listener now times them out (config `limits.*TimeoutMs`, set small here). The tests wait
 * for the server to close each socket (an event), never assert how long it took; and a
 * paced SSE answer longer than every timeout still arrives whole.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { connectTunnel, requestViaProxy, tlsThroughProxy } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let t: TestEngine;

const LIMITS = { headersTimeoutMs: 600, requestTimeoutMs: 1000, keepAliveTimeoutMs: 600, idleTimeoutMs: 2500, handshakeTimeoutMs: 600, tunnelIdleTimeoutMs: 800 };

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream, { limits: LIMITS });
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

/** Resolves with everything the server sent once it closes the socket. */
function closed(socket: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('close', () => resolve(got));
  });
}

function rawTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('the proxy listener closes connections that never finish', () => {
  it('a socket that says nothing', async () => {
    const s = await rawTo(t.engine.proxyPort);
    expect(await closed(s)).toBe('');
  });

  it('a half-sent request head (to the PAC file)', async () => {
    const s = await rawTo(t.engine.proxyPort);
    s.write('GET /proxy.pac HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ');
    const got = await closed(s);
    expect(got).toMatch(/^HTTP\/1\.1 408/);
    expect(got).toContain('witness_request_timeout');
  });

  it('an idle kept-alive connection after a PAC request', async () => {
    const s = await rawTo(t.engine.proxyPort);
    const done = closed(s);
    s.write(`GET /proxy.pac HTTP/1.1\r\nHost: 127.0.0.1:${t.engine.proxyPort}\r\n\r\n`);
    const got = await done;
    expect(got).toMatch(/^HTTP\/1\.1 200/);
  });

  it('a CONNECT to an intercepted host with no TLS hello after it', async () => {
    const s = await connectTunnel(t.engine.proxyPort, 'api.githubcopilot.com:443');
    expect(await closed(s)).toBe('');
  });

  it('a TLS tunnel whose request body is shorter than its Content-Length gets a clean 408', async () => {
    const s = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const done = closed(s);
    s.write('POST /chat/completions?echo=1 HTTP/1.1\r\nHost: api.githubcopilot.com\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"messages":');
    const got = await done;
    expect(got).toMatch(/^HTTP\/1\.1 408/);
    expect(got).toContain('witness_request_timeout');
  });

  it('an idle intercepted TLS connection after a complete exchange', async () => {
    const s = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const done = closed(s);
    s.write('GET /small HTTP/1.1\r\nHost: api.githubcopilot.com\r\n\r\n');
    expect(await done).toMatch(/^HTTP\/1\.1 200/);
  });

  it('an idle tunnel Witness does not inspect (TLS to another host)', async () => {
    const s = await tlsThroughProxy(t.engine.proxyPort, '127.0.0.1', upstream.port, { ca: upstream.root.certPem, servername: 'localhost' });
    // The handshake reached the real upstream: this is a pass-through tunnel, not interception.
    expect(s.getPeerCertificate().issuer.CN).toBe(upstream.root.certPem ? 'Witness Test Upstream Root' : '');
    await closed(s);
  });

  it('keeps a paced SSE answer longer than every timeout open while events flow', async () => {
    const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/sse?n=30&ms=100', method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, ca: t.caPem });
    expect(res.status).toBe(200);
    expect(res.events.length).toBe(31);
    expect(res.body).toContain('data: [DONE]');
  });
});

describe('the control API closes connections that never finish', () => {
  it('a socket that says nothing, and a half-sent head', async () => {
    const port = Number(new URL(t.engine.controlUrl).port);
    const silent = await rawTo(port);
    const half = await rawTo(port);
    half.write('GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await closed(silent)).toMatch(/^$|^HTTP\/1\.1 408/);
    expect(await closed(half)).toMatch(/^$|^HTTP\/1\.1 408/);
  });

  it('a body shorter than its Content-Length gets 408', async () => {
    const port = Number(new URL(t.engine.controlUrl).port);
    const s = await rawTo(port);
    const done = closed(s);
    s.write(`POST /api/v1/approvals/decide HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${t.engine.controlToken}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"id":`);
    expect(await done).toMatch(/^HTTP\/1\.1 408/);
  });
});
