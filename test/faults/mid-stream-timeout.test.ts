/**
 * Issue 20: an upstream that sends the head and part of an event stream, then goes silent
 * past `upstream.idleTimeoutMs`, used to leave the client with a connection cut at the HTTP
 * level. Each protocol family now ends such a stream cleanly in its own protocol (chat and
 * legacy completions: an error chunk and `data: [DONE]`; Responses: `response.failed`;
 * Anthropic Messages: `event: error`), the HTTP response completes normally, and the record
 * says the upstream stalled and what the client was sent. A JSON body that stalls has no
 * such form and is still cut. No assertion is on how long anything took. The cases are
 * support/mid-stream-cases.ts, shared with a connection that breaks (mid-stream-reset.test.ts).
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { midStreamFailureCases } from './support/mid-stream-cases.js';
import { JSON_HEAD, STREAM_HEADS as HEADS } from './support/stream-heads.js';

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

describe('an upstream that stalls mid-stream: a clean error in the client protocol', () => {
  midStreamFailureCases({ engine: () => t, code: 'witness_upstream_timeout', clientSays: 'the response stalled', recorded: 'the response stalled: nothing for 800 ms' });
});
