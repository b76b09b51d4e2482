/**
 * Issue 20.1: the WebSocket refusal held only for the first upgrade; later upgrades (new or
 * reused connections) were passed through to the real upstream with the client's token.
 * Every upgrade to an intercepted host is refused; with `intercept.websockets: "passthrough"`
 * every upgrade is allowed, counted and recorded as not inspected.
 */
import { createHash } from 'node:crypto';
import dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../proxy/model/index.js';
import { startFakeUpstream, UPSTREAM_NAMES, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { issueLeaf } from '../helpers/pki.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgradeRequest = (target: string, host: string, extra = '') =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n${extra}\r\n`;

/** Reads one HTTP/1.1 response (head, then a content-length or chunked body); resolves early if the socket closes. */
function readResponse(socket: net.Socket, wantBody = true): Promise<{ head: string; body: string; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const done = (closed: boolean) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      const text = buf.toString('latin1');
      const i = text.indexOf('\r\n\r\n');
      resolve({ head: i < 0 ? text : text.slice(0, i), body: i < 0 ? '' : text.slice(i + 4), closed });
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const i = text.indexOf('\r\n\r\n');
      if (i < 0) return;
      const head = text.slice(0, i);
      const rest = text.slice(i + 4);
      if (!wantBody || /^HTTP\/1\.1 101/.test(head)) return done(false);
      const len = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (len ? Buffer.byteLength(rest, 'latin1') >= Number(len[1]) : /\r\ntransfer-encoding: *chunked/i.test(head) ? rest.endsWith('0\r\n\r\n') : false) done(false);
    };
    const onClose = () => done(true);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}

/** A plain-HTTP server that accepts every WebSocket upgrade (101) and answers plain requests. */
async function startPlainWsServer() {
  const state = { upgrades: 0, requests: 0, port: 0, server: null as unknown as http.Server };
  const server = http.createServer((_req, res) => {
    state.requests++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
  server.on('upgrade', (req, socket) => {
    state.upgrades++;
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.server = server;
  return state;
}

describe('intercept.websockets "refuse": every upgrade is refused, however many and on whichever connection', () => {
  let upstream: FakeUpstream;
  let plain: Awaited<ReturnType<typeof startPlainWsServer>>;
  let t: TestEngine;
  const realLookup = dns.lookup;

  beforeAll(async () => {
    // A leaked upgrade goes out through mockttp's own passthrough, which resolves names with
    // DNS and ignores upstream.resolve. Copilot names resolve to this machine here, so a leak
    // reaches a real server that answers 101 instead of failing on DNS.
    (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) =>
      (realLookup as (...a: unknown[]) => void)(/\.githubcopilot\.com$/i.test(host) ? '127.0.0.1' : host, ...rest);
    upstream = await startFakeUpstream();
    plain = await startPlainWsServer();
    t = await startTestEngine(upstream, { upstream: { resolve: { 'api.business.githubcopilot.com': `127.0.0.1:${upstream.port}` } } });
  });
  afterAll(async () => {
    (dns as { lookup: unknown }).lookup = realLookup;
    await t?.stop();
    await upstream?.close();
    plain?.server.closeAllConnections();
    plain?.server.close();
  });

  const HOST = 'api.business.githubcopilot.com';

  it('refuses six upgrades in a row, each on a new TLS connection, and none reaches the upstream', async () => {
    for (let i = 0; i < 6; i++) {
      const socket = await tlsThroughProxy(t.engine.proxyPort, HOST, upstream.port, { ca: t.caPem });
      socket.write(upgradeRequest(`/responses?n=${i}`, HOST, 'Authorization: Bearer gho_clienttoken\r\n'));
      const { head } = await readResponse(socket, false);
      socket.destroy();
      expect(head, `upgrade #${i + 1}`).toMatch(/^HTTP\/1\.1 403/);
    }
    expect(upstream.upgrades).toBe(0);
    expect(t.engine.status().counters.websocketsRefused).toBe(6);
  });

  it('refuses an upgrade on a TLS connection that already carried an audited request', async () => {
    for (let i = 0; i < 3; i++) {
      const socket = await tlsThroughProxy(t.engine.proxyPort, HOST, upstream.port, { ca: t.caPem });
      socket.write(`GET /small HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      const first = await readResponse(socket);
      expect(first.head).toMatch(/^HTTP\/1\.1 200/);
      socket.write(upgradeRequest('/responses', HOST));
      const { head } = await readResponse(socket, false);
      socket.destroy();
      expect(head).toMatch(/^HTTP\/1\.1 403/);
    }
    expect(upstream.upgrades).toBe(0);
  });

  it('refuses plain ws:// upgrades sent to the proxy, on new and reused proxy connections; the 101-answering server never sees one', async () => {
    const origin = `http://api.githubcopilot.com:${plain.port}`;
    for (let i = 0; i < 4; i++) {
      const socket = net.connect(t.engine.proxyPort, '127.0.0.1');
      await once(socket, 'connect');
      if (i % 2 === 1) {
        // Reuse: a plain (audited) request first, then the upgrade on the same proxy connection.
        socket.write(`GET ${origin}/plain HTTP/1.1\r\nHost: api.githubcopilot.com:${plain.port}\r\n\r\n`);
        expect((await readResponse(socket)).head).toMatch(/^HTTP\/1\.1 200/);
      }
      socket.write(upgradeRequest(`${origin}/responses?n=${i}`, `api.githubcopilot.com:${plain.port}`, 'Authorization: Bearer gho_clienttoken\r\n'));
      const { head } = await readResponse(socket, false);
      socket.destroy();
      expect(head, `upgrade #${i + 1}`).toMatch(/^HTTP\/1\.1 403/);
    }
    expect(plain.upgrades).toBe(0);
    expect(plain.requests).toBe(2);
  });

  it('still passes WebSockets to hosts it does not intercept through untouched', async () => {
    const before = plain.upgrades;
    const socket = net.connect(t.engine.proxyPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(upgradeRequest(`http://127.0.0.1:${plain.port}/other`, `127.0.0.1:${plain.port}`));
    const { head } = await readResponse(socket, false);
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(plain.upgrades).toBe(before + 1);
  });
});

describe('intercept.websockets "passthrough": every upgrade is allowed, counted and recorded as not inspected', () => {
  let upstream: FakeUpstream;
  let echo: https.Server;
  const seen: Array<{ url: string; authorization: string | undefined }> = [];
  let t: TestEngine;
  const completed: Interaction[] = [];
  const stored: string[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    // A Copilot stand-in that accepts upgrades and then echoes every byte (frames included).
    const leaf = await issueLeaf(upstream.root, UPSTREAM_NAMES);
    echo = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_req, res) => res.writeHead(404).end());
    echo.on('upgrade', (req, socket) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      if (req.url?.startsWith('/nope')) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 4\r\nconnection: close\r\n\r\nnope');
        return;
      }
      const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.pipe(socket);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const port = (echo.address() as AddressInfo).port;
    const resolve = Object.fromEntries(UPSTREAM_NAMES.filter((n) => !/^[\d.]+$|localhost/.test(n)).map((n) => [n, `127.0.0.1:${port}`]));
    t = await startTestEngine(upstream, { intercept: { websockets: 'passthrough' }, upstream: { resolve } });
    t.engine.bus.subscribe((e) => {
      if (e.type === 'interaction.completed') completed.push(e.data);
      if (e.type === 'record.stored') stored.push(e.data.id);
    });
  });
  afterAll(async () => {
    await t?.stop();
    await upstream?.close();
    echo?.closeAllConnections();
    echo?.close();
  });

  const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

  it('passes three upgrades (new connections) through with frames both ways, and records each one', async () => {
    for (let i = 0; i < 3; i++) {
      const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
      socket.write(
        upgradeRequest(`/responses?ws=${i}&token=${PAT}`, 'api.githubcopilot.com', 'Authorization: Bearer gho_clienttoken\r\nEditor-Version: vscode/1.104.0\r\nX-Request-Id: req-' + i + '\r\n'),
      );
      const { head } = await readResponse(socket, false);
      expect(head).toMatch(/^HTTP\/1\.1 101/);
      expect(head).toMatch(/\r\nSec-WebSocket-Accept: /i);
      const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e]); // masked text frame "hello"
      socket.write(frame);
      const [back] = (await once(socket, 'data')) as [Buffer];
      expect(back.equals(frame)).toBe(true);
      socket.destroy();
    }
    expect(seen.filter((s) => s.url.startsWith('/responses?ws='))).toHaveLength(3);
    expect(seen[0]!.authorization).toBe('Bearer gho_clienttoken'); // passthrough means exactly that
    expect(t.engine.status().counters.websocketsPassedThrough).toBe(3);
    expect(t.engine.status().counters.websocketsRefused).toBe(0);

    await expect.poll(() => completed.filter((i) => i.path.includes('ws=')).length).toBe(3);
    for (let i = 0; i < 3; i++) {
      const rec = completed.find((c) => c.path.includes(`ws=${i}&`))!;
      expect(rec.notInspected).toEqual(['websocket passthrough: frames not inspected']);
      expect(rec).toMatchObject({ method: 'GET', host: 'api.githubcopilot.com', endpoint: 'responses', decision: 'allowed', status: 'ok', httpStatus: 101 });
      expect(rec.path).not.toContain(PAT);
      expect(rec.path).toMatch(/token=\[MASKED:github-pat:[0-9a-f]{4}\]/);
      expect(rec.client).toMatchObject({ editor: 'VS Code', editorVersion: 'vscode/1.104.0', requestId: `req-${i}` });
      expect(rec.headers!.request).toContainEqual(['authorization', 'Bearer [REDACTED]']);
      expect(JSON.stringify(rec)).not.toContain('gho_clienttoken');
      // Through the normal path into the audit store.
      await expect.poll(() => stored.includes(rec.id)).toBe(true);
      expect(t.engine.auditStore.get(rec.id)).toMatchObject({ notInspected: ['websocket passthrough: frames not inspected'], httpStatus: 101 });
    }
  });

  it('relays an upstream that refuses the upgrade, and records that too', async () => {
    const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
    socket.write(upgradeRequest('/nope/responses', 'api.githubcopilot.com'));
    const { head, body } = await readResponse(socket);
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 404/);
    expect(body).toBe('nope');
    await expect.poll(() => completed.find((c) => c.path === '/nope/responses')).toBeTruthy();
    const rec = completed.find((c) => c.path === '/nope/responses')!;
    expect(rec).toMatchObject({ httpStatus: 404, notInspected: ['websocket passthrough: frames not inspected'] });
    expect(t.engine.status().counters.websocketsPassedThrough).toBe(4);
  });
});
