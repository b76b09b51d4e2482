/**
 * Issue 20: an upstream whose connection breaks mid-stream (closed or reset before the body
 * ended) used to leave the client with a response destroyed at the HTTP level. Each protocol
 * family now ends such a stream in its own protocol, as for a stall (mid-stream-timeout.test.ts):
 * chat and legacy completions an error chunk and `data: [DONE]`, Responses `response.failed`,
 * Anthropic Messages `event: error`, each on an event boundary of its own. The record is
 * `upstream-error` and says what broke and what the client was sent. A JSON body has no
 * error form after its head and is still cut (recorded so); a client that goes away is a
 * client abort and gets no tail.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { HEAD_SECRET as SECRET, JSON_HEAD, sseEvents as events, STREAM_HEADS as HEADS } from './support/stream-heads.js';

let upstream: FakeUpstream;
let t: TestEngine;

/** Sends `head` with the response head, then closes the connection once it is written. */
const breakAfter = (type: string, head: string) => (res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': type });
  res.write(head, () => setImmediate(() => res.socket?.destroy()));
};

beforeAll(async () => {
  upstream = await startFakeUpstream();
  for (const [name, head] of Object.entries(HEADS)) upstream.scripts.set(name, breakAfter('text/event-stream', head));
  upstream.scripts.set('json', breakAfter('application/json', JSON_HEAD));
  // Idle timers far away: whatever ends these streams, it is not a stall.
  t = await startTestEngine(upstream, { upstream: { responseTimeoutMs: 60_000, idleTimeoutMs: 60_000 } });
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

const ask = (path: string, script: string, abortAfterEvents?: number) =>
  requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.githubcopilot.com',
    path: `${path}?script=${script}`,
    method: 'POST',
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], input: 'hi' }),
    headers: { 'content-type': 'application/json' },
    ca: t.caPem,
    ...(abortAfterEvents ? { abortAfterEvents } : {}),
  });

/** The record of the exchange whose path ends with `query`. */
const recordOf = async (query: string) => {
  const find = () => [...t.engine.auditStore.iterate()].find((e) => String(e.path).endsWith(query));
  await expect.poll(find, { timeout: 30_000 }).toBeTruthy();
  return t.engine.auditStore.resolve(find()!);
};

const BROKE = /the upstream connection broke mid-body: closed before the body ended/;

describe('an upstream connection that breaks mid-stream: a clean error in the client protocol', () => {
  it('chat completions: an error chunk, then data: [DONE]; the HTTP response completes', async () => {
    const res = await ask('/chat/completions', 'chat');
    expect(res.status).toBe(200);
    expect(res.body).toContain('first ');
    expect(res.body).not.toContain(SECRET);
    const evs = events(res.body);
    expect(evs.at(-1)).toEqual([null, '[DONE]']);
    const err = JSON.parse(evs.at(-2)![1]);
    expect(err).toMatchObject({ error: { code: 'witness_upstream_error', type: 'server_error' } });
    expect(err.error.message).toContain('broke mid-stream');
    const r = await recordOf('script=chat');
    expect(r.status).toBe('upstream-error');
    expect(r.response).toContain('first ');
    expect(r.errors.join(' ')).toMatch(new RegExp(`${BROKE.source}.*the client was sent an error chunk and data: \\[DONE\\]`));
  });

  it('chat completions broken inside an event: the error still starts an event of its own', async () => {
    const res = await ask('/chat/completions', 'chat-partial');
    expect(res.status).toBe(200);
    const evs = events(res.body);
    expect(evs.map(([, d]) => d.slice(0, 9))).toEqual(['{"id":"c2', '{"choices', '{"error":', '[DONE]']);
    expect((await recordOf('script=chat-partial')).status).toBe('upstream-error');
  });

  it('legacy completions (ghost text): an error chunk and [DONE], no suggestion text', async () => {
    const res = await ask('/v1/engines/gpt-35/completions', 'completion');
    expect(res.status).toBe(200);
    const evs = events(res.body);
    expect(evs.at(-1)).toEqual([null, '[DONE]']);
    expect(JSON.parse(evs.at(-2)![1])).toMatchObject({ error: { code: 'witness_upstream_error' } });
    expect((await recordOf('script=completion')).errors.join(' ')).toMatch(new RegExp(`${BROKE.source}.*an error chunk and data: \\[DONE\\]`));
  });

  it('Responses API: response.failed, continuing the sequence numbers and the response id', async () => {
    const res = await ask('/responses', 'responses');
    expect(res.status).toBe(200);
    const [name, data] = events(res.body).at(-1)!;
    expect(name).toBe('response.failed');
    const failed = JSON.parse(data);
    expect(failed).toMatchObject({ type: 'response.failed', sequence_number: 3, response: { id: 'resp_stall', status: 'failed', model: 'gpt-5', error: { code: 'server_error' } } });
    expect(failed.response.error.message).toContain('witness_upstream_error');
    const r = await recordOf('script=responses');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(new RegExp(`${BROKE.source}.*a response\\.failed event`));
  });

  it('Anthropic Messages: event: error, and nothing after it', async () => {
    const res = await ask('/v1/messages', 'messages');
    expect(res.status).toBe(200);
    const [name, data] = events(res.body).at(-1)!;
    expect(name).toBe('error');
    expect(JSON.parse(data)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(JSON.parse(data).error.message).toContain('witness_upstream_error');
    const r = await recordOf('script=messages');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(new RegExp(`${BROKE.source}.*an error event`));
  });

  it('a JSON body has no error form after its head: it is cut, and the record says so', async () => {
    const outcome = await ask('/models', 'json').then(
      (r) => `complete: ${r.body}`,
      (e: Error) => `error: ${e.message}`,
    );
    expect(outcome).toMatch(/^error: /);
    const r = await recordOf('script=json');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(new RegExp(`${BROKE.source}.*the client's response was cut`));
  });

  it('a client that goes away mid-stream is a client abort: no tail, not an upstream error', async () => {
    const res = await ask('/sse', 'x&n=200&ms=40', 3);
    expect(res.events.length).toBeGreaterThanOrEqual(3);
    const r = await recordOf('script=x&n=200&ms=40');
    expect(r.status).toBe('client-abort');
    expect(r.errors.join(' ')).not.toContain('the client was sent');
  });

  it('keeps the engine up: a plain request still goes through', async () => {
    const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/echo', method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, ca: t.caPem });
    expect(res.status).toBe(200);
  });
});
