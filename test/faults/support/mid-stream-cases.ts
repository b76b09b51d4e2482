/**
 * The cases every mid-stream upstream failure must pass, one per protocol family, shared by
 * mid-stream-timeout.test.ts (the upstream stalls) and mid-stream-reset.test.ts (its
 * connection breaks): the stream ends in the client's own protocol after what Witness had
 * released, the HTTP response completes, and the record is `upstream-error` with the cause
 * and what the client was sent. A JSON body has no error form and is cut.
 * The upstream serves STREAM_HEADS by script name, and `json` for a JSON body.
 */
import { expect, it } from 'vitest';
import type { TestEngine } from '../../helpers/engine.js';
import { requestViaProxy } from '../../helpers/proxy-client.js';
import { HEAD_SECRET, sseEvents } from './stream-heads.js';

export interface MidStreamFailure {
  /** The engine under test (started in the caller's beforeAll). */
  engine(): TestEngine;
  /** The error code the client is told (`witness_upstream_timeout`, `witness_upstream_error`). */
  code: string;
  /** Words of the failure in the client's error message. */
  clientSays: string;
  /** A pattern (regex source) for the failure's cause in the record. */
  recorded: string;
}

/** A streamed request for `path?script=SCRIPT[&extra]` through the engine under test. */
export function askVia(engine: () => TestEngine) {
  return (path: string, script: string, abortAfterEvents?: number) => {
    const t = engine();
    return requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.githubcopilot.com',
      path: `${path}?script=${script}`,
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], input: 'hi' }),
      headers: { 'content-type': 'application/json' },
      ca: t.caPem,
      ...(abortAfterEvents ? { abortAfterEvents } : {}),
    });
  };
}

/** The record of the exchange whose path ends with `script=SCRIPT`. */
export function recordsOf(engine: () => TestEngine) {
  return async (script: string) => {
    const store = engine().engine.auditStore;
    const find = () => [...store.iterate()].find((e) => String(e.path).endsWith(`script=${script}`));
    await expect.poll(find, { timeout: 30_000 }).toBeTruthy();
    return store.resolve(find()!);
  };
}

export function midStreamFailureCases(f: MidStreamFailure): void {
  const ask = askVia(f.engine);
  const recordOf = recordsOf(f.engine);
  const cause = (tail: string) => new RegExp(`${f.recorded}.*${tail}`);

  it('chat completions: an error chunk, then data: [DONE]; the HTTP response completes', async () => {
    const res = await ask('/chat/completions', 'chat');
    expect(res.status).toBe(200);
    expect(res.body).toContain('first ');
    expect(res.body).not.toContain(HEAD_SECRET);
    const evs = sseEvents(res.body);
    expect(evs.at(-1)).toEqual([null, '[DONE]']);
    const err = JSON.parse(evs.at(-2)![1]);
    expect(err).toMatchObject({ error: { code: f.code, type: 'server_error' } });
    expect(err.error.message).toContain(f.clientSays);
    const r = await recordOf('chat');
    expect(r.status).toBe('upstream-error');
    expect(r.response).toContain('first ');
    expect(r.errors.join(' ')).toMatch(cause('the client was sent an error chunk and data: \\[DONE\\]'));
  });

  it('chat completions cut inside an event: the error still starts an event of its own', async () => {
    const res = await ask('/chat/completions', 'chat-partial');
    expect(res.status).toBe(200);
    const evs = sseEvents(res.body);
    expect(evs.map(([, d]) => d.slice(0, 9))).toEqual(['{"id":"c2', '{"choices', '{"error":', '[DONE]']);
    expect((await recordOf('chat-partial')).status).toBe('upstream-error');
  });

  it('legacy completions (ghost text): an error chunk and [DONE], no suggestion text', async () => {
    const res = await ask('/v1/engines/gpt-35/completions', 'completion');
    expect(res.status).toBe(200);
    const evs = sseEvents(res.body);
    expect(evs.at(-1)).toEqual([null, '[DONE]']);
    expect(JSON.parse(evs.at(-2)![1])).toMatchObject({ error: { code: f.code } });
    expect((await recordOf('completion')).errors.join(' ')).toMatch(cause('an error chunk and data: \\[DONE\\]'));
  });

  it('Responses API: response.failed, continuing the sequence numbers and the response id', async () => {
    const res = await ask('/responses', 'responses');
    expect(res.status).toBe(200);
    const [name, data] = sseEvents(res.body).at(-1)!;
    expect(name).toBe('response.failed');
    const failed = JSON.parse(data);
    expect(failed).toMatchObject({ type: 'response.failed', sequence_number: 3, response: { id: 'resp_stall', status: 'failed', model: 'gpt-5', error: { code: 'server_error' } } });
    expect(failed.response.error.message).toContain(f.code);
    const r = await recordOf('responses');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(cause('a response\\.failed event'));
  });

  it('Anthropic Messages: event: error, and nothing after it', async () => {
    const res = await ask('/v1/messages', 'messages');
    expect(res.status).toBe(200);
    const [name, data] = sseEvents(res.body).at(-1)!;
    expect(name).toBe('error');
    const err = JSON.parse(data);
    expect(err).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(err.error.message).toContain(f.code);
    expect(err.error.message).toContain(f.clientSays);
    const r = await recordOf('messages');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(cause('an error event'));
  });

  it('a JSON body has no error form after its head: it is cut, so the client never sees it as complete, and the record says so', async () => {
    const outcome = await ask('/models', 'json').then(
      (r) => `complete: ${r.body}`,
      (e: Error) => `error: ${e.message}`,
    );
    expect(outcome).toMatch(/^error: /);
    const r = await recordOf('json');
    expect(r.status).toBe('upstream-error');
    expect(r.errors.join(' ')).toMatch(cause("the client's response was cut"));
  });

  it('keeps the engine up: a plain request still goes through', async () => {
    const t = f.engine();
    const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/echo', method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, ca: t.caPem });
    expect(res.status).toBe(200);
  });
}
