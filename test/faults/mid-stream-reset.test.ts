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
import { askVia, midStreamFailureCases, recordsOf } from './support/mid-stream-cases.js';
import { JSON_HEAD, STREAM_HEADS as HEADS } from './support/stream-heads.js';

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

const ask = askVia(() => t);
const recordOf = recordsOf(() => t);

describe('an upstream connection that breaks mid-stream: a clean error in the client protocol', () => {
  midStreamFailureCases({
    engine: () => t,
    code: 'witness_upstream_error',
    clientSays: 'broke mid-stream',
    recorded: 'the upstream connection broke mid-body: closed before the body ended',
  });

  it('a client that goes away mid-stream is a client abort: no tail, not an upstream error', async () => {
    const res = await ask('/sse', 'x&n=200&ms=40', 3);
    expect(res.events.length).toBeGreaterThanOrEqual(3);
    const r = await recordOf('x&n=200&ms=40');
    expect(r.status).toBe('client-abort');
    expect(r.errors.join(' ')).not.toContain('the client was sent');
  });
});
