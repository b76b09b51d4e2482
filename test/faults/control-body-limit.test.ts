/**
 * Issue 20: a 5 MB authenticated body to the control API answered 500. It is refused with
 * 413 and a message naming the limit (limits.controlBodyBytes), and the engine carries on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

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

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(`${t.engine.controlUrl}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${t.engine.controlToken}`, 'content-type': 'application/json', ...headers } });

describe('control API request bodies are bounded', () => {
  it('answers a 5 MB authenticated body with 413 and a clear message, never 500', async () => {
    const big = JSON.stringify({ id: 'x', decision: 'deny', reason: 'r'.repeat(5 * 1024 * 1024) });
    const res = await post('/api/v1/approvals/decide', big);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BODY_TOO_LARGE');
    expect(body.error.message).toContain('1048576 bytes');
    expect(body.error.message).toContain('limits.controlBodyBytes');
  });

  it('counts the bytes of a chunked body that announces no length', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(new Uint8Array(128 * 1024).fill(0x61));
        c.close();
      },
    });
    const res = await fetch(`${t.engine.controlUrl}/api/v1/approvals/decide`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
      headers: { authorization: `Bearer ${t.engine.controlToken}`, 'content-type': 'application/json' },
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('keeps answering afterwards, and still takes ordinary bodies', async () => {
    const status = await fetch(`${t.engine.controlUrl}/api/v1/status`, { headers: { authorization: `Bearer ${t.engine.controlToken}` } });
    expect(status.status).toBe(200);
    const small = await post('/api/v1/approvals/decide', JSON.stringify({ id: 'no-such-approval', decision: 'deny' }));
    expect(small.status).toBeGreaterThanOrEqual(400);
    expect(small.status).toBeLessThan(500);
  });
});
