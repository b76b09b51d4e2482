/**
 * Issue 20 (fail-open defaults): a request body Witness cannot inspect — an unknown
 * content-encoding, or larger than `limits.maxInspectedBodyBytes` — used to go upstream
 * as sent, the secret in it included, with only "not inspected" in the record. By default
 * it is now refused in the client's protocol, nothing reaches the upstream, and the record
 * says why; `masking.uninspectable: "pass"` keeps the old behaviour.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../proxy/model/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';

const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const LIMIT = 64 * 1024;

let upstream: FakeUpstream;
let strict: TestEngine;
let lax: TestEngine;
const records = new Map<TestEngine, Interaction[]>();

async function engine(uninspectable?: 'pass'): Promise<TestEngine> {
  const t = await startTestEngine(upstream, { limits: { maxInspectedBodyBytes: LIMIT }, ...(uninspectable ? { masking: { uninspectable } } : {}) });
  const list: Interaction[] = [];
  records.set(t, list);
  t.engine.bus.subscribe((e) => {
    if (e.type === 'interaction.completed') list.push(e.data);
  });
  return t;
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  strict = await engine();
  lax = await engine('pass');
});
afterAll(async () => {
  await strict?.stop();
  await lax?.stop();
  await upstream?.close();
});

/** A streaming chat request through the proxy; resolves with the status and the whole body. */
async function chat(t: TestEngine, tag: string, body: Buffer, headers: Record<string, string>) {
  const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = https.request(
      { host: 'api.githubcopilot.com', path: `/chat/completions?t=${tag}`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, createConnection: () => socket },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const prompt = (pad = 0) => Buffer.from(JSON.stringify({ stream: true, messages: [{ role: 'user', content: `deploy with ${PAT} ${'x'.repeat(pad)}` }] }));
/** The text a chat client shows from an SSE answer. */
const shown = (sse: string) =>
  sse
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices.map((c) => c.delta?.content ?? '').join(''))
    .join('');

const record = async (t: TestEngine, tag: string) => {
  await expect.poll(() => records.get(t)!.find((r) => r.path.includes(`t=${tag}`)), { timeout: 20_000 }).toBeTruthy();
  return records.get(t)!.find((r) => r.path.includes(`t=${tag}`))!;
};
const reachedUpstream = (tag: string) => upstream.requests.filter((r) => r.url.includes(`t=${tag}`));

describe('a request body Witness cannot inspect fails closed by default', () => {
  it('unknown content-encoding: refused in the chat protocol, nothing upstream, the record says why', async () => {
    const res = await chat(strict, 'enc-strict', prompt(), { 'content-encoding': 'x-witness-unknown' });
    expect(res.type).toMatch(/text\/event-stream/);
    expect(shown(res.body)).toMatch(/could not be inspected/);
    expect(res.body).toContain('[DONE]');
    const r = await record(strict, 'enc-strict');
    expect(r).toMatchObject({ status: 'blocked', decision: 'blocked' });
    expect(r.notInspected.join(' ')).toMatch(/^request: .*x-witness-unknown/);
    expect(reachedUpstream('enc-strict')).toHaveLength(0);
  });

  it('a body over limits.maxInspectedBodyBytes: refused, nothing upstream, the record says why', async () => {
    const res = await chat(strict, 'big-strict', prompt(LIMIT * 2), {});
    expect(shown(res.body)).toMatch(/could not be inspected \(body larger than 65536 bytes\)/);
    const r = await record(strict, 'big-strict');
    expect(r).toMatchObject({ status: 'blocked', decision: 'blocked' });
    expect(r.notInspected).toContain(`request: body larger than ${LIMIT} bytes`);
    expect(reachedUpstream('big-strict')).toHaveLength(0);
  });

  it('masking.uninspectable: "pass" opts out: both are forwarded as sent and recorded "not inspected"', async () => {
    await chat(lax, 'enc-pass', prompt(), { 'content-encoding': 'x-witness-unknown' });
    await chat(lax, 'big-pass', prompt(LIMIT * 2), {});
    expect(reachedUpstream('enc-pass')).toHaveLength(1);
    expect(reachedUpstream('big-pass')).toHaveLength(1);
    expect(reachedUpstream('big-pass')[0]!.body).toContain(PAT); // as sent: that is what "pass" means
    for (const tag of ['enc-pass', 'big-pass']) {
      const r = await record(lax, tag);
      expect(r.status).not.toBe('blocked');
      expect(r.notInspected.some((n) => n.startsWith('request: '))).toBe(true);
    }
  });
});
