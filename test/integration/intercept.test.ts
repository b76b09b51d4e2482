import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { connectTunnel, requestViaProxy, tlsThroughProxy, timedRequest } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let t: TestEngine;
let proxyPort: number;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
  proxyPort = t.engine.proxyPort;
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

describe('interception scope', () => {
  it('gives an intercepted Copilot host a Witness-issued leaf that verifies against the Witness CA', async () => {
    const socket = await tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const cert = socket.getPeerCertificate(true);
    expect(socket.authorized).toBe(true);
    expect(cert.subjectaltname).toContain('DNS:api.githubcopilot.com');
    expect(cert.issuer.CN).toBe(t.engine.caState.active.issuing.subject.match(/CN=([^,]+)/)![1]); // the issuing CA under the trusted root
    socket.destroy();
  });

  it('tunnels a non-Copilot host untouched: the client sees the upstream’s own certificate', async () => {
    const socket = await tlsThroughProxy(proxyPort, 'localhost', upstream.port, { ca: upstream.root.certPem });
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().issuer.CN).toBe('Witness Test Upstream Root');
    socket.destroy();
    // The tunnel was counted, not intercepted.
    await expect.poll(() => t.engine.status().counters.tunnelled).toBeGreaterThan(0);
  });

  it('serves a Copilot-host certificate to clients that send no SNI', async () => {
    const socket = await tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem, servername: null, rejectUnauthorized: false });
    expect(socket.getPeerCertificate().subjectaltname).toContain('githubcopilot.com');
    socket.destroy();
  });

  it('forwards intercepted requests with their method, path, headers and body', async () => {
    const res = await requestViaProxy({
      proxyPort,
      host: 'api.business.githubcopilot.com',
      path: '/echo',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-token', 'proxy-authorization': 'Basic c2VjcmV0' },
      body: JSON.stringify({ hello: 'world' }),
      ca: t.caPem,
    });
    expect(res.status).toBe(200);
    const echo = JSON.parse(res.body);
    expect(echo.method).toBe('POST');
    expect(echo.body).toBe('{"hello":"world"}');
    expect(echo.headers.host).toBe('api.business.githubcopilot.com');
    expect(echo.headers.authorization).toBe('Bearer test-token');
    expect(echo.headers['proxy-authorization']).toBeUndefined(); // hop-by-hop, never forwarded upstream
  });
});

describe('streaming pass-through', () => {
  it('delivers 20 SSE events sent 50 ms apart incrementally, not all at the end', async () => {
    const res = await requestViaProxy({ proxyPort, host: 'api.githubcopilot.com', path: '/sse?n=20&ms=50', ca: t.caPem });
    expect(res.events).toHaveLength(21); // 20 + [DONE]
    const gaps = res.eventTimes.slice(1, 20).map((v, i) => v - res.eventTimes[i]!);
    const sorted = [...gaps].sort((a, b) => a - b);
    const medianGap = sorted[Math.floor(sorted.length / 2)]!;
    expect(medianGap).toBeGreaterThan(35);
    expect(medianGap).toBeLessThan(80);
    expect(res.eventTimes[19]! - res.eventTimes[0]!).toBeGreaterThan(800);
  });

  for (const enc of ['gzip', 'br', 'deflate', 'zstd'] as const) {
    it(`decodes a ${enc} SSE stream in the transform and still streams it`, async () => {
      const res = await requestViaProxy({ proxyPort, host: 'api.githubcopilot.com', path: `/sse?n=10&ms=40&${enc}=1`, ca: t.caPem });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.events).toHaveLength(11);
      expect(res.events[3]).toContain('tok3');
      expect(res.eventTimes[9]! - res.eventTimes[0]!).toBeGreaterThan(250);
    });
  }

  it('passes an encoding it cannot decode through untouched and says so', async () => {
    const seen: string[] = [];
    const off = t.engine.bus.subscribe((e) => {
      if (e.type === 'exchange.completed' && e.data.path.includes('encoding=compress')) seen.push(String(e.data.notInspected));
    });
    const res = await requestViaProxy({ proxyPort, host: 'api.githubcopilot.com', path: '/sse?n=2&ms=1&encoding=compress', ca: t.caPem });
    off();
    expect(res.headers['content-encoding']).toBe('compress');
    expect(res.body).toContain('tok1');
    await expect.poll(() => seen[0]).toMatch(/compress.*not supported/);
  });

  it('keeps memory bounded while a 200 MB stream passes through (mockttp #209)', async () => {
    global.gc?.();
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 20);
    let bytes = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        void tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem }).then((socket) => {
          const req = https.request({ host: 'api.githubcopilot.com', path: '/burst?mb=200', createConnection: () => socket }, (res) => {
            res.on('data', (d: Buffer) => (bytes += d.length));
            res.on('end', resolve);
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        }, reject);
      });
    } finally {
      clearInterval(timer);
    }
    expect(bytes).toBeGreaterThan(200 * 1024 * 1024);
    // Without the fix the whole body would be retained (~200 MB of ArrayBuffers).
    expect(peak - base).toBeLessThan(64 * 1024 * 1024);
  });

  it('reports an upstream that dies mid-stream as a broken response, not a complete one', async () => {
    await expect(requestViaProxy({ proxyPort, host: 'api.githubcopilot.com', path: '/abort?after=3', ca: t.caPem })).rejects.toThrow(/aborted|socket hang up|ECONNRESET|terminated/);
  });

  it('answers 502 with a readable JSON error when the upstream cannot be reached', async () => {
    const down = await startTestEngine(upstream, { upstream: { resolve: { 'api.githubcopilot.com': '127.0.0.1:1' } } });
    try {
      const res = await requestViaProxy({ proxyPort: down.engine.proxyPort, host: 'api.githubcopilot.com', path: '/small', ca: down.caPem });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).error.message).toMatch(/could not reach api\.githubcopilot\.com: .*ECONNREFUSED/);
    } finally {
      await down.stop();
    }
  });
});

describe('other traffic', () => {
  it('passes plain http:// proxy requests through', async () => {
    const plain = http.createServer((_req, res) => res.end('plain-ok'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const port = (plain.address() as import('node:net').AddressInfo).port;
    try {
      const res = await timedRequest((cb) =>
        http.request({ host: '127.0.0.1', port: proxyPort, path: `http://localhost:${port}/x`, headers: { host: `localhost:${port}` } }, cb),
      );
      expect(res.body).toBe('plain-ok');
      expect(t.engine.status().counters.plainHttp).toBeGreaterThan(0);
    } finally {
      plain.close();
    }
  });

  it('refuses WebSocket upgrades to Copilot hosts so clients fall back to HTTP', async () => {
    const socket = await tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const head = await new Promise<string>((resolve) => {
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\r\n\r\n')) resolve(buf);
      });
      socket.write(
        'GET /responses HTTP/1.1\r\nHost: api.githubcopilot.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(upstream.upgrades).toBe(0);
    expect(t.engine.status().counters.websocketsRefused).toBe(1);
  });

  it('serves a PAC file that sends only Copilot hosts to the proxy', async () => {
    const res = await fetch(`http://127.0.0.1:${proxyPort}/proxy.pac`);
    expect(res.headers.get('content-type')).toBe('application/x-ns-proxy-autoconfig');
    const pac = await res.text();
    const FindProxyForURL = new Function('dnsDomainIs', `${pac}; return FindProxyForURL;`)((h: string, d: string) => h.endsWith(d));
    expect(FindProxyForURL('https://api.business.githubcopilot.com/x', 'api.business.githubcopilot.com')).toBe(`PROXY 127.0.0.1:${proxyPort}`);
    expect(FindProxyForURL('https://copilot-proxy.githubusercontent.com/', 'copilot-proxy.githubusercontent.com')).toBe(`PROXY 127.0.0.1:${proxyPort}`);
    expect(FindProxyForURL('https://github.com/', 'github.com')).toBe('DIRECT');
    expect(FindProxyForURL('https://evilgithubcopilot.com/', 'evilgithubcopilot.com')).toBe('DIRECT');
  });
});

/**
 * When the response head reaches the client: with the first body bytes when they come in
 * the same turn (one TLS record instead of two), and on its own, right away, when the body
 * is slow (the client's first-token clock).
 */
/** Each TLS read the client makes, as text (one TLS record each). */
function reads(socket: tls.TLSSocket): string[] {
  const out: string[] = [];
  socket.on('data', (d: Buffer) => out.push(d.toString('latin1')));
  return out;
}

describe('response head', () => {
  it('reaches the client in the same TLS record as a small body', async () => {
    const socket = await tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
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
    const socket = await tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
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

describe('response framing', () => {
  /** Sends a raw HTTP/1.1 request over TLS through the proxy; the TLS socket's 'data' events are the TLS records' plaintexts. */
  async function rawRecords(request: string, complete: (text: string) => boolean): Promise<string[]> {
    const socket = await tlsThroughProxy(proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    const records: string[] = [];
    socket.on('data', (d: Buffer) => records.push(d.toString('latin1')));
    socket.write(request);
    await expect.poll(() => complete(records.join('')), { timeout: 20_000 }).toBe(true);
    socket.destroy();
    return records;
  }

  it('sends a small response whole in one TLS record: head, body and the chunked terminator (the client is not woken twice)', async () => {
    const records = await rawRecords('GET /small HTTP/1.1\r\nHost: api.githubcopilot.com\r\n\r\n', (s) => s.endsWith('\r\n0\r\n\r\n'));
    expect(records.join('')).toMatch(/^HTTP\/1\.1 200[\s\S]*small response body/);
    expect(records).toHaveLength(1);
  });

  it('ends an event stream with its last event and the terminator in one record', async () => {
    const records = await rawRecords('GET /sse?n=3&ms=20 HTTP/1.1\r\nHost: api.githubcopilot.com\r\n\r\n', (s) => s.endsWith('\r\n0\r\n\r\n'));
    expect(records.at(-1)).toContain('data: [DONE]');
    expect(records.at(-1)).toMatch(/\r\n0\r\n\r\n$/);
  });

  it('answers an HTTP/2 client request after request on one session', async () => {
    const raw = await connectTunnel(proxyPort, 'api.githubcopilot.com:443');
    const session = http2.connect('https://api.githubcopilot.com', {
      createConnection: () => tls.connect({ socket: raw, servername: 'api.githubcopilot.com', ca: t.caPem, ALPNProtocols: ['h2'] }),
    });
    try {
      for (const path of ['/small', '/sse?n=2&ms=5', '/small']) {
        const req = session.request({ ':path': path });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => (body += d));
        await once(req, 'end');
        expect(body).toMatch(path === '/small' ? /small response body/ : /data: \[DONE\]/);
      }
    } finally {
      session.destroy();
    }
  });

  it('forwards a GET that carries a body (Content-Length) with that body', async () => {
    const records = await rawRecords('GET /echo?echo=1 HTTP/1.1\r\nHost: api.githubcopilot.com\r\nContent-Length: 5\r\n\r\nhello', (s) => s.includes('"body":"hello"') && s.endsWith('\r\n0\r\n\r\n'));
    expect(records.join('')).toContain('"method":"GET"');
  });
});
