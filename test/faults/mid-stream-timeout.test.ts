/**
 * Issue 20: an upstream that sends the head and part of an event stream, then goes silent
 * past `upstream.idleTimeoutMs`, used to leave the client with a connection cut at the HTTP
 * level. Each protocol family now ends such a stream cleanly in its own protocol (chat and
 * legacy completions: an error chunk and `data: [DONE]`; Responses: `response.failed`;
 * Anthropic Messages: `event: error`), the HTTP response completes normally, and the record
 * says the upstream stalled and what the client was sent. A JSON body that stalls has no
 * such form and is still cut. No assertion is on how long anything took.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { HEAD_SECRET as SECRET, JSON_HEAD, sseEvents as events, STREAM_HEADS as HEADS } from './support/stream-heads.js';

let upstream: FakeUpstream;
let t: TestEngine;
const stalled = new Set<http.ServerResponse>();

beforeAll(async () => {
  upstream = await startFakeUpstream();
  for (const [name, head] of Object.entries(HEADS)) {
    upstream.scripts.set(name, (res) => {
      stalled.add(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(head);
    });
  }
  upstream.scripts.set('json', (res) => {
    stalled.add(res);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(JSON_HEAD);
  });
  t = await startTestEngine(upstream, { upstream: { responseTimeoutMs: 30_000, idleTimeoutMs: 800 } });
});
afterAll(async () => {
  for (const r of stalled) r.destroy();
  await t?.stop();
  await upstream?.close();
});

const ask = (path: string, script: string) =>
  requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.githubcopilot.com',
    path: `${path}?script=${script}`,
    method: 'POST',
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], input: 'hi' }),
    headers: { 'content-type': 'application/json' },
    ca: t.caPem,
  });

/** The record of the exchange whose path carries `script=NAME`. */
const recordOf = async (script: string) => {
  const find = () => [...t.engine.auditStore.iterate()].find((e) => String(e.path).endsWith(`script=${script}`));
  await expect.poll(find, { timeout: 30_000 }).toBeTruthy();
  return t.engine.auditStore.resolve(find()!);
};

describe('an upstream that stalls mid-stream: a clean error in the client protocol', () => {
  it('chat completions: an error chunk, then data: [DONE]; the HTTP response completes', async () => {
    const res = await ask('/chat/completions', 'chat');
    expect(res.status).toBe(200);
    expect(res.body).toContain('first ');
    expect(res.body).not.toContain(SECRET);
    const evs = events(res.body);
    expect(evs.at(-1)).toEqual([null, '[DONE]']);
    const err = JSON.parse(evs.at(-2)![1]);
    expect(err).toMatchObject({ error: { code: 'witness_upstream_timeout', type: 'server_error' } });
    expect(err.error.message).toContain('the response stalled');
    const r = await recordOf('chat');
    expect(r.status).toBe('upstream-error');
    expect(r.response).toContain('first ');
    expect(r.errors.join(' ')).toMatch(/the response stalled.*the client was sent an error chunk and data: \[DONE\]/);
  });

  it('chat completions stalled inside an event: the error still starts an event of its own', async () => {
    const res = await ask('/chat/completions', 'chat-partial');
    expect(res.status).toBe(200);
    const evs = events(res.body);
    expect(evs.map(([, d]) => d.slice(0, 9))).toEqual(['{"id":"c2', '{"choices', '{"error":', '[DONE]']);
    expect((await recordOf('chat-partial')).status).toBe('upstream-error');
  });

  it('legacy completions (ghost text): an error chunk and [DONE], no suggestion text', async () => {
    const res = await ask('/v1/engines/gpt-35/completions', 'completion');
    expect(res.status).toBe(200);
    const evs = events(res.body);
    expect(evs.at(-1)).toEqual([null, '[DONE]']);
    expect(JSON.parse(evs.at(-2)![1])).toMatchObject({ error: { code: 'witness_upstream_timeout' } });
    expect((await recordOf('completion')).errors.join(' ')).toContain('an error chunk and data: [DONE]');
  });

  it('Responses API: response.failed, continuing the sequence numbers and the response id', async () => {
    const res = await ask('/responses', 'responses');
    expect(res.status).toBe(200);
    const [name, data] = events(res.body).at(-1)!;
    expect(name).toBe('response.failed');
    const failed = JSON.parse(data);
    expect(failed).toMatchObject({ type: 'response.failed', sequence_number: 3, response: { id: 'resp_stall', status: 'failed', model: 'gpt-5', error: { code: 'server_error' } } });
    expect(failed.response.error.message).toContain('witness_upstream_timeout');
    const r = await recordOf('responses');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(/the response stalled.*a response\.failed event/);
  });

  it('Anthropic Messages: event: error, and nothing after it', async () => {
    const res = await ask('/v1/messages', 'messages');
    expect(res.status).toBe(200);
    const [name, data] = events(res.body).at(-1)!;
    expect(name).toBe('error');
    expect(JSON.parse(data)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(JSON.parse(data).error.message).toContain('the response stalled');
    const r = await recordOf('messages');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(/the response stalled.*an error event/);
  });

  it('a JSON body that stalls has no error form: it is cut, so the client never sees it as complete', async () => {
    const outcome = await ask('/models', 'json').then(
      (r) => `complete: ${r.body}`,
      (e: Error) => `error: ${e.message}`,
    );
    expect(outcome).toMatch(/^error: /);
    const r = await recordOf('json');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toContain('the response stalled');
  });

  it('keeps the engine up: a plain request still goes through', async () => {
    const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/echo', method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, ca: t.caPem });
    expect(res.status).toBe(200);
  });
});
