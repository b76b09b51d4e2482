/**
 * The fetch-based event stream the desktop shell and window use (token in a header, never
 * in a URL): against real engines, it delivers events, resumes after a dropped connection
 * without losing any, and follows the engine to a new endpoint after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEvents, type ControlEndpoint, type ControlEvent } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

const endpointOf = (t: TestEngine): ControlEndpoint => ({ url: t.engine.controlUrl, token: t.engine.controlToken });
const stored = (t: TestEngine, id: string) => t.engine.bus.publish('record.stored', { id, seq: 1, hash: 'h' });

/** Resolves when `pred` holds for the events seen so far. */
function collector() {
  const events: ControlEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    events,
    push(e: ControlEvent) {
      events.push(e);
      waiters.splice(0).forEach((w) => w());
    },
    async until(pred: (es: ControlEvent[]) => boolean) {
      while (!pred(events)) await new Promise<void>((r) => waiters.push(r));
    },
  };
}
const ids = (es: ControlEvent[]) => es.map((e) => (e.type === 'record.stored' ? e.data.id : e.type));

describe('control event stream over fetch', () => {
  it('sends the token in a header and delivers events as they are published', async () => {
    const t = await startTestEngine(upstream);
    const seen = collector();
    const urls: string[] = [];
    const s = streamEvents({
      endpoint: () => endpointOf(t),
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
      onEvent: seen.push,
      onState: (up) => up && stored(t, 'first'),
    });
    try {
      await seen.until((es) => ids(es).includes('first'));
      expect(urls[0]).not.toContain(t.engine.controlToken);
    } finally {
      s.close();
      await t.stop();
    }
  });

  it('resumes from the last event after a dropped connection, losing none', async () => {
    const t = await startTestEngine(upstream);
    const seen = collector();
    const lastEventIds: Array<string | null> = [];
    let drop: (() => void) | null = null;
    let reconnect!: () => void;
    const reconnected = new Promise<void>((r) => (reconnect = r));
    const s = streamEvents({
      endpoint: () => endpointOf(t),
      retryMs: 10,
      fetch: async (input, init) => {
        lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
        if (lastEventIds.length === 2) reconnect();
        const ctrl = new AbortController();
        init?.signal?.addEventListener('abort', () => ctrl.abort());
        drop = () => ctrl.abort();
        return fetch(input, { ...init, signal: ctrl.signal });
      },
      onEvent: seen.push,
      onState: (up) => {
        if (up && lastEventIds.length === 1) stored(t, 'a');
      },
    });
    try {
      await seen.until((es) => ids(es).includes('a'));
      drop!();
      // Published while no stream is open: must arrive after the reconnect.
      stored(t, 'b');
      stored(t, 'c');
      await reconnected;
      await seen.until((es) => ids(es).includes('c'));
      expect(ids(seen.events)).toEqual(['a', 'b', 'c']);
      expect(lastEventIds[1]).toBe(String(seen.events[0]!.seq));
    } finally {
      s.close();
      await t.stop();
    }
  });

  it('follows the engine to its new endpoint after a restart and replays what the new engine holds', async () => {
    let t = await startTestEngine(upstream);
    const seen = collector();
    const states: boolean[] = [];
    const s = streamEvents({
      endpoint: () => endpointOf(t),
      retryMs: 20,
      onEvent: seen.push,
      onState: (up) => states.push(up),
      since: 0,
    });
    try {
      stored(t, 'old');
      await seen.until((es) => ids(es).includes('old'));
      const first = t;
      t = await startTestEngine(upstream);
      stored(t, 'before-reconnect'); // seq 1 on the new engine, before the stream gets there
      await first.stop();
      await seen.until((es) => ids(es).includes('before-reconnect'));
      expect(states).toContain(false);
      expect(states.at(-1)).toBe(true);
    } finally {
      s.close();
      await t.stop();
    }
  });

  it('reports the engine down and keeps retrying with backoff while nothing answers', async () => {
    const states: Array<[boolean, string | undefined]> = [];
    let calls = 0;
    const s = streamEvents({
      endpoint: () => ({ url: 'http://127.0.0.1:9', token: 't' }),
      retryMs: 5,
      maxRetryMs: 40,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
      onEvent: () => undefined,
      onState: (up, err) => states.push([up, err?.message]),
    });
    await expect.poll(() => calls, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    s.close();
    expect(states.every(([up]) => !up)).toBe(true);
  });
});
