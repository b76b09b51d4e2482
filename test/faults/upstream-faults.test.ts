/**
 * Issue 20's fault suite, the upstream and client faults: truncated SSE, SSE without blank
 * lines, an upstream reset mid-stream (its protocol's error tail; each family in
 * mid-stream-reset.test.ts), an upstream whose TLS fails, 429 and 500 with JSON
 * errors, an upstream that never answers, a client that aborts mid-stream. For each: the
 * engine stays up, the client gets a clean answer or error in its protocol, the store
 * records the exchange, verify stays clean, and no planted secret appears in the logs,
 * records, events or data dir (support/leaks.ts).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, UPSTREAM_NAMES, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openEventStream } from '../helpers/events.js';
import { createTestRoot, issueLeaf } from '../helpers/pki.js';
import { requestViaProxy, type TimedResponse } from '../helpers/proxy-client.js';
import { dataDirText, expectNoLeaks } from './support/leaks.js';

// Planted secrets: in every prompt, and in the answers the upstream streams.
const PROMPT_PAT = 'ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8';
const PROMPT_AWS = 'AKIAQTB437GVLYHHS4EH';
const ANSWER_PAT = 'ghp_Z1x2C3v4B5n6M7q8W9e0R1t2Y3u4I5o6P7a8';
const PLANTED = [PROMPT_PAT, PROMPT_AWS, ANSWER_PAT];

let upstream: FakeUpstream;
let badTls: https.Server;
let t: TestEngine;
const events: Array<{ type: string; data: unknown }> = [];
let stream: Awaited<ReturnType<typeof openEventStream>>;
let exchanges = 0;

const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}`;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.scripts.set('truncated', (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`${chunk('the token is ')}\n\n`);
    res.write(`${chunk(ANSWER_PAT)}\n\n`);
    res.end(chunk('and then the stream ends mid-ev').slice(0, 40));
  });
  upstream.scripts.set('no-blank-lines', (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`${chunk('use ')}\n${chunk(ANSWER_PAT)}\n${chunk(' now')}\ndata: [DONE]\n`);
  });
  upstream.scripts.set('reset', (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`${chunk(`first ${ANSWER_PAT}`)}\n\n`);
    setTimeout(() => res.socket?.destroy(), 50);
  });
  upstream.scripts.set('429', (res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { message: 'Rate limit exceeded', code: 'rate_limited' } }));
  });
  upstream.scripts.set('500', (res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'internal error', code: 'server_error' } }));
  });
  upstream.scripts.set('silent', () => {});

  // An upstream whose certificate no trusted root signed: TLS to it fails.
  const stranger = await issueLeaf(await createTestRoot('Untrusted Root'), ['copilot-proxy.githubusercontent.com']);
  badTls = https.createServer({ key: stranger.keyPem, cert: stranger.certPem }, (_req, res) => res.end('never'));
  badTls.listen(0, '127.0.0.1');
  await once(badTls, 'listening');

  const resolve = Object.fromEntries(UPSTREAM_NAMES.filter((n) => !/^[\d.]+$|localhost/.test(n)).map((n) => [n, `127.0.0.1:${upstream.port}`]));
  resolve['copilot-proxy.githubusercontent.com'] = `127.0.0.1:${(badTls.address() as AddressInfo).port}`;
  t = await startTestEngine(upstream, { upstream: { resolve, responseTimeoutMs: 1000, idleTimeoutMs: 1000 } });
  stream = await openEventStream(t.engine.controlUrl, t.engine.controlToken, (type, data) => events.push({ type, data }));
});
afterAll(async () => {
  stream?.close();
  await t?.stop();
  badTls?.closeAllConnections();
  badTls?.close();
  await upstream?.close();
});

const prompt = () => JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: `deploy with ${PROMPT_PAT} and ${PROMPT_AWS}` }] });

async function chat(query: string, opts: { host?: string; path?: string; abortAfterEvents?: number } = {}): Promise<TimedResponse | Error> {
  exchanges++;
  return requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: opts.host ?? 'api.githubcopilot.com',
    path: `${opts.path ?? '/chat/completions'}?${query}`,
    method: 'POST',
    body: prompt(),
    headers: { 'content-type': 'application/json' },
    ca: t.caPem,
    ...(opts.abortAfterEvents ? { abortAfterEvents: opts.abortAfterEvents } : {}),
  }).catch((e: Error) => e);
}

/** The newest record, once as many records as exchanges are stored. */
async function lastRecord() {
  await expect.poll(() => [...t.engine.auditStore.iterate()].length, { timeout: 30_000 }).toBeGreaterThanOrEqual(exchanges);
  const all = [...t.engine.auditStore.iterate()];
  return t.engine.auditStore.resolve(all[all.length - 1]!);
}

describe('upstream and client faults', () => {
  it('truncated SSE: the client gets what arrived, masked; the record says so', async () => {
    const res = await chat('script=truncated');
    if (res instanceof Error) throw res;
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(ANSWER_PAT);
    const r = await lastRecord();
    expect(r.httpStatus).toBe(200);
  });

  it('SSE without blank lines between events: passed on masked, recorded', async () => {
    const res = await chat('script=no-blank-lines');
    if (res instanceof Error) throw res;
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(ANSWER_PAT);
    await lastRecord();
  });

  it('upstream reset mid-stream: the client gets an error chunk and [DONE], recorded as an upstream error', async () => {
    const res = await chat('script=reset');
    if (res instanceof Error) throw res;
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(ANSWER_PAT);
    const done = res.body.trimEnd().split(/\n\n/);
    expect(done.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(done.at(-2)!.slice('data: '.length))).toMatchObject({ error: { code: 'witness_upstream_error', type: 'server_error' } });
    const r = await lastRecord();
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(/broke mid-body.*the client was sent an error chunk and data: \[DONE\]/);
  });

  it('upstream TLS failure: 502 with a JSON error, recorded', async () => {
    const res = await chat('x=1', { host: 'copilot-proxy.githubusercontent.com' });
    if (res instanceof Error) throw res;
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'witness_upstream_unreachable' } });
    const r = await lastRecord();
    expect(r.status).toBe('upstream-error');
  });

  for (const status of [429, 500]) {
    it(`${status} with a JSON error: passed to the client as sent, recorded`, async () => {
      const res = await chat(`script=${status}`);
      if (res instanceof Error) throw res;
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body)).toHaveProperty('error.message');
      const r = await lastRecord();
      expect(r.httpStatus).toBe(status);
    });
  }

  it('an upstream that never answers: 504 with a JSON error, recorded', async () => {
    const res = await chat('script=silent');
    if (res instanceof Error) throw res;
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'witness_upstream_timeout' } });
    expect((await lastRecord()).status).toBe('upstream-error');
  });

  it('a client that aborts mid-stream: recorded as a client abort, the engine carries on', async () => {
    const res = await chat('n=200&ms=40', { path: '/sse', abortAfterEvents: 3 });
    if (res instanceof Error) throw res;
    expect(res.events.length).toBeGreaterThanOrEqual(3);
    const r = await lastRecord();
    expect(r.status).toBe('client-abort');
    const next = await chat('echo=1');
    expect(next).not.toBeInstanceOf(Error);
  });

  it('after all of it: the store verifies, and no planted secret is in logs, records, events or the data dir', async () => {
    // The last exchange's record is appended after its client has its answer: wait for it.
    await expect.poll(() => [...t.engine.auditStore.iterate()].length).toBe(exchanges);
    const verify = t.engine.auditStore.verify();
    expect(verify.problems).toEqual([]);
    expect(verify.ok).toBe(true);
    const records = [...t.engine.auditStore.iterate()].map((r) => t.engine.auditStore.resolve(r));
    expect(records.length).toBe(exchanges);
    expectNoLeaks(PLANTED, {
      logs: t.logs.join('\n'),
      records: JSON.stringify(records),
      events: JSON.stringify(events),
      'data dir': dataDirText(t.dataDir),
    });
  });
});
