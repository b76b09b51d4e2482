/**
 * Issue 20: an upstream that never answers, or sends its head and then stalls, left the
 * client waiting without end. With upstream.responseTimeoutMs / upstream.idleTimeoutMs set
 * small, the client gets a 504 JSON error (no head) or its protocol's error event (stalled stream), the
 * exchange is recorded as an upstream error, and paced SSE slower than nothing-at-all but
 * steady is never cut. No assertion is on how long anything took.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let t: TestEngine;
const stalled = new Set<http.ServerResponse>();

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.scripts.set('silent', (res) => void stalled.add(res));
  upstream.scripts.set('head-then-stall', (res) => {
    stalled.add(res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"index":0,"delta":{"content":"first"}}]}\n\n');
  });
  t = await startTestEngine(upstream, { upstream: { responseTimeoutMs: 800, idleTimeoutMs: 800 } });
});
afterAll(async () => {
  for (const r of stalled) r.destroy();
  await t?.stop();
  await upstream?.close();
});

const chat = (query: string, path = '/chat/completions') =>
  requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.githubcopilot.com',
    path: `${path}?${query}`,
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    headers: { 'content-type': 'application/json' },
    ca: t.caPem,
  });

const lastRecord = async (n: number) => {
  await expect.poll(() => [...t.engine.auditStore.iterate()].length, { timeout: 30_000 }).toBeGreaterThanOrEqual(n);
  return t.engine.auditStore.resolve([...t.engine.auditStore.iterate()][n - 1]!);
};

describe('upstreams that never answer or stall', () => {
  it('answers 504 with a JSON error when the upstream sends no response head, and records it', async () => {
    const res = await chat('script=silent');
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'witness_upstream_timeout' } });
    const r = await lastRecord(1);
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toContain('no response within 800 ms');
  });

  it('ends a stream whose upstream stalls after the head with an error in its protocol, and records it', async () => {
    // Each protocol's form is in mid-stream-timeout.test.ts; a chat stream gets an error chunk and [DONE].
    const res = await chat('script=head-then-stall');
    expect(res.body).toMatch(/data: \{"error":\{"message":"Witness gave up waiting for api\.githubcopilot\.com: the response stalled[^\n]*\n\ndata: \[DONE\]\n\n$/);
    const r = await lastRecord(2);
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toContain('the response stalled');
  });

  it('never cuts paced SSE that keeps coming (2.5 s of events, spaced well inside the 0.8 s idle timeout)', async () => {
    const res = await chat('n=25&ms=100', '/sse');
    expect(res.status).toBe(200);
    expect(res.body).toContain('data: [DONE]');
    const r = await lastRecord(3);
    expect(r.status).toBe('ok');
  });

  it('keeps the engine up: a plain request still goes through', async () => {
    const res = await chat('echo=1');
    expect(res.status).toBe(200);
  });
});
