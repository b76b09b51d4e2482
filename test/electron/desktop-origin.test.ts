/**
 * The engine's side of the desktop window: the UI served by the shell on its own scheme
 * calls the control API cross-origin with the bearer token. Only that origin gets CORS
 * answers, only for the API, and never on the strength of a browser cookie.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_UI_ORIGIN } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

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

function send(method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const auth = () => ({ authorization: `Bearer ${t.engine.controlToken}` });
const fromWindow = { origin: DESKTOP_UI_ORIGIN, 'sec-fetch-site': 'cross-site' };

describe('control API for the desktop window origin', () => {
  it('answers the CORS preflight for the API without a token', async () => {
    const r = await send('OPTIONS', '/api/v1/status', {
      ...fromWindow,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
      'access-control-request-private-network': 'true',
    });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(DESKTOP_UI_ORIGIN);
    expect(r.headers['access-control-allow-headers']).toContain('authorization');
    expect(r.headers['access-control-allow-private-network']).toBe('true');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('serves the API with the token, cross-site, and says which origin may read it', async () => {
    const r = await send('GET', '/api/v1/status', { ...fromWindow, ...auth() });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(DESKTOP_UI_ORIGIN);
    expect(JSON.parse(r.body).control.url).toBe(t.engine.controlUrl);
  });

  it('refuses the window without the token, even with a valid browser session cookie', async () => {
    const signIn = await send('GET', new URL(t.engine.signInLink()).pathname + new URL(t.engine.signInLink()).search, {});
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    expect((await send('GET', '/api/v1/status', { cookie })).status).toBe(200);
    expect((await send('GET', '/api/v1/status', { ...fromWindow, cookie })).status).toBe(401);
  });

  it('gives the window the API only: no pages, no sign-in links', async () => {
    expect((await send('GET', '/', { ...fromWindow, ...auth() })).status).toBe(403);
    expect((await send('GET', '/auth?code=x', fromWindow)).status).toBe(403);
  });

  it('still refuses every other origin and other custom schemes', async () => {
    for (const origin of ['https://evil.example', 'app://evil', 'app://witness.evil', 'null', `${DESKTOP_UI_ORIGIN}:1`]) {
      const r = await send('GET', '/api/v1/status', { ...auth(), origin, 'sec-fetch-site': 'cross-site' });
      expect(r.status, origin).toBe(403);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect((await send('OPTIONS', '/api/v1/status', { origin, 'access-control-request-method': 'GET' })).status, origin).toBe(403);
    }
  });
});
