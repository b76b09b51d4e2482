/**
 * Issue 20 (large streams and events): a huge streamed answer used to be kept whole in the
 * record (and twice over in memory while it streamed), and one very large SSE event was
 * parsed and masked in one go, stalling everything else. Now a record keeps at most
 * MAX_RECORDED_TEXT_CHARS of the answer and says `truncated`, and an event over
 * MAX_SSE_EVENT_CHARS passes to the client unparsed, recorded as such. The control API's
 * latency while the stream passes is measured and printed (not asserted: a timed assertion
 * would be flaky on a loaded machine).
 */
import https from 'node:https';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../proxy/model/index.js';
import { MAX_RECORDED_TEXT_CHARS, MAX_SSE_EVENT_CHARS } from '../../proxy/protocols/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';

const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const ANSWER_MB = 24;

let upstream: FakeUpstream;
let t: TestEngine;
const records: Interaction[] = [];

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const finish = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

/** Streams `total` characters of answer in 8 KB events, as fast as the client reads. */
function bigAnswer(total: number) {
  return (res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = chunk(`${'lorem ipsum '.repeat(682)}\n`);
    const per = 'lorem ipsum '.repeat(682).length + 1;
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += per;
        if (!res.write(event)) return void res.once('drain', pump);
      }
      res.end(finish);
    };
    pump();
  };
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.scripts.set('big-answer', bigAnswer(ANSWER_MB * 1024 * 1024));
  upstream.scripts.set('huge-event', (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk('before '));
    // One event three times the limit, with a secret inside: passed on as it came, in pieces.
    res.write(chunk(`${'y'.repeat(MAX_SSE_EVENT_CHARS * 3)} ${PAT}`));
    res.write(chunk(`after ${PAT}`));
    res.end(finish);
  });
  t = await startTestEngine(upstream);
  t.engine.bus.subscribe((e) => {
    if (e.type === 'interaction.completed') records.push(e.data);
  });
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

async function chat(script: string) {
  const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem });
  return new Promise<string>((resolve, reject) => {
    const req = https.request(
      { host: 'api.githubcopilot.com', path: `/chat/completions?script=${script}`, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket },
      (res) => {
        const parts: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (d: string) => parts.push(d));
        res.on('end', () => resolve(parts.join('')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'write a lot' }] }));
  });
}

const recordOf = async (script: string) => {
  await expect.poll(() => records.find((r) => r.path.includes(`script=${script}`)), { timeout: 60_000 }).toBeTruthy();
  return records.find((r) => r.path.includes(`script=${script}`))!;
};

describe('large streams and events', () => {
  it('a huge answer reaches the client whole; its record keeps a bounded start and says truncated', async () => {
    const latencies: number[] = [];
    let streaming = true;
    const poll = (async () => {
      while (streaming) {
        const t0 = performance.now();
        const res = await fetch(`${t.engine.controlUrl}/api/v1/status`, { headers: { authorization: `Bearer ${t.engine.controlToken}` } });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const body = await chat('big-answer');
    streaming = false;
    await poll;
    expect(body.length).toBeGreaterThan(ANSWER_MB * 1024 * 1024);
    expect(body).toContain('[DONE]');
    const r = await recordOf('big-answer');
    expect(r.response.length).toBe(MAX_RECORDED_TEXT_CHARS);
    expect(r.truncated).toHaveLength(1);
    expect(r.truncated![0]).toMatch(/^response: \d+ characters beyond the first 1048576/);
    expect(r.finishReason).toBe('stop');
    // The stored record is the bounded one too.
    await expect.poll(() => t.engine.auditStore.get(r.id)?.response.length, { timeout: 60_000 }).toBe(MAX_RECORDED_TEXT_CHARS);
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.log(`control API during a ${ANSWER_MB} MB masked chat stream: ${latencies.length} polls, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`);
    expect(latencies.length).toBeGreaterThan(0);
  });

  it('an SSE event over the limit passes unparsed, in order, and the record says so', async () => {
    const body = await chat('huge-event');
    const before = body.indexOf('before');
    const huge = body.indexOf('y'.repeat(1000));
    const after = body.indexOf('after');
    expect(before).toBeGreaterThanOrEqual(0);
    expect(huge).toBeGreaterThan(before);
    expect(after).toBeGreaterThan(huge);
    expect(body).toContain('y'.repeat(MAX_SSE_EVENT_CHARS * 3)); // whole, as it came
    // The events around it are still parsed and masked.
    expect(body.slice(after)).not.toContain(PAT);
    const r = await recordOf('huge-event');
    expect(r.notInspected).toContain(`response: 1 SSE event larger than ${MAX_SSE_EVENT_CHARS} characters passed unparsed`);
    expect(r.response).toMatch(/^before after /);
    expect(r.response).not.toContain('yyyy');
    expect(r.finishReason).toBe('stop');
  });
});
