import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, StatusSchema, ControlApiError } from '../../proxy/control/index.js';
import { readControlFile } from '../../proxy/control-server/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { openEventStream } from '../helpers/events.js';
import { interaction } from '../helpers/interactions.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';

let upstream: FakeUpstream;
let t: TestEngine;
let port: number;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
  port = Number(new URL(t.engine.controlUrl).port);
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const auth = () => ({ authorization: `Bearer ${t.engine.controlToken}` });

describe('control API access checks', () => {
  it('publishes its URL and token in control.json, readable by the owner only', () => {
    const info = readControlFile(t.dataDir)!;
    expect(info.url).toBe(t.engine.controlUrl);
    expect(info.token).toBe(t.engine.controlToken);
    expect(info.token.length).toBeGreaterThanOrEqual(40);
    expect(statSync(join(t.dataDir, 'control.json')).mode & 0o777).toBe(0o600);
  });

  it('answers 401 without a token or with a wrong one', async () => {
    expect((await get('/api/v1/status', {})).status).toBe(401);
    expect((await get('/api/v1/status', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await get('/api/v1/status', { authorization: `Bearer ${t.engine.controlToken}x` })).status).toBe(401);
    expect((await get('/api/v1/events', {})).status).toBe(401);
  });

  it('answers 403 to a foreign Origin even with the token (no CSRF)', async () => {
    const r = await get('/api/v1/status', { ...auth(), origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe('FORBIDDEN_ORIGIN');
    expect((await get('/api/v1/status', { ...auth(), origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await get('/api/v1/status', { ...auth(), 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('answers 403 to a Host that is not this loopback listener (no DNS rebinding)', async () => {
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${port + 1}`, 'localhost']) {
      const r = await get('/api/v1/status', { ...auth(), host });
      expect(r.status, host).toBe(403);
      expect(JSON.parse(r.body).error.code).toBe('FORBIDDEN_HOST');
    }
  });

  it('answers 200 with the token, the right Host and the same Origin', async () => {
    for (const headers of [auth(), { ...auth(), origin: `http://127.0.0.1:${port}` }, { ...auth(), host: `localhost:${port}` }]) {
      const r = await get('/api/v1/status', headers);
      expect(r.status).toBe(200);
      const status = StatusSchema.parse(JSON.parse(r.body));
      expect(status.proxy.port).toBe(t.engine.proxyPort);
      expect(status.ca.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
  });

  it('gives typed clients clear errors', async () => {
    const bad = createControlClient({ url: t.engine.controlUrl, token: 'wrong' });
    await expect(bad.status()).rejects.toBeInstanceOf(ControlApiError);
    await expect(bad.status()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const r = await get('/api/v1/nope', auth());
    expect(r.status).toBe(404);
  });
});

describe('control API downloads', () => {
  it('serves the CA certificate and the audit trail as files, only with the token', async () => {
    expect((await get('/api/v1/ca.pem', {})).status).toBe(401);
    expect((await get('/api/v1/export?format=jsonl', {})).status).toBe(401);
    const pem = await get('/api/v1/ca.pem', auth());
    expect(pem.status).toBe(200);
    expect(pem.body).toBe(t.caPem);

    const stored = await t.engine.auditStore.append(interaction({ prompt: 'exported through the control API' }));
    const jsonl = await get(`/api/v1/export?format=jsonl&since=${Date.parse(stored.time)}`, auth());
    expect(jsonl.status).toBe(200);
    const lines = jsonl.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((r) => r.id)).toContain(stored.id);
    const har = await get('/api/v1/export?format=har', auth());
    expect(JSON.parse(har.body).log.entries.length).toBeGreaterThanOrEqual(1);
  });

  it('answers 400 BAD_INPUT to an unknown format or a bad time', async () => {
    for (const q of ['format=csv', 'format=jsonl&since=yesterday']) {
      const r = await get(`/api/v1/export?${q}`, auth());
      expect(r.status, q).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe('BAD_INPUT');
    }
  });
});

describe('control API event stream', () => {
  async function openStream(headers: Record<string, string> = {}) {
    const events: Array<{ id: string; type: string; data: { data: any } }> = [];
    const s = await openEventStream(t.engine.controlUrl, t.engine.controlToken, (type, data, id) => events.push({ id, type, data: { data } }), headers);
    return { events, close: s.close };
  }

  it('streams each intercepted exchange with host, path, status and timings', async () => {
    const s = await openStream();
    await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/sse?n=3&ms=20', ca: t.caPem });
    await expect.poll(() => s.events.find((e) => e.type === 'exchange.completed' && e.data.data.path === '/sse?n=3&ms=20')).toBeTruthy();
    const started = s.events.find((e) => e.type === 'exchange.started')!;
    const done = s.events.find((e) => e.type === 'exchange.completed')!.data.data;
    s.close();
    expect(started.data.data).toMatchObject({ host: 'api.githubcopilot.com', method: 'GET', path: '/sse?n=3&ms=20' });
    expect(done).toMatchObject({ host: 'api.githubcopilot.com', status: 200, outcome: 'ok' });
    expect(done.timings.start).toBeLessThanOrEqual(done.timings.firstByte);
    expect(done.timings.firstByte).toBeLessThanOrEqual(done.timings.end);
    expect(done.timings.end - done.timings.start).toBeGreaterThan(30);
    expect(done.bytes.toClient).toBeGreaterThan(100);
  });

  it('resumes after a reconnect with Last-Event-ID without losing events', async () => {
    const first = await openStream();
    await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/small', ca: t.caPem });
    await expect.poll(() => first.events.length).toBeGreaterThanOrEqual(2);
    const lastSeen = first.events[first.events.length - 1]!.id;
    first.close();
    // Missed while disconnected:
    await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/small?missed=1', ca: t.caPem });
    const second = await openStream({ 'last-event-id': lastSeen });
    await expect.poll(() => second.events.filter((e) => e.type.startsWith('exchange.') && e.data.data.path === '/small?missed=1').length).toBe(2);
    expect(Number(second.events[0]!.id)).toBe(Number(lastSeen) + 1);
    second.close();
  });
});
