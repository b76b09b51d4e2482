/**
 * The live-events stage's timing of its publishes: nothing on an event's path, a delta after
 * the turn that wrote the event once 40 ms have passed since the last, and a paused stream's
 * text 80 ms after its first text since the last delta. Fake timers and an injected clock: nothing waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveEvents } from '../../proxy/pipeline/index.js';
import type { Flow } from '../../proxy/pipeline/flow.js';

describe('live events: publishing off the event path', () => {
  let clock = 1000;
  const published: Array<{ type: string; text?: string }> = [];
  const stage = liveEvents({ live: { started: () => published.push({ type: 'started' }), delta: (e) => published.push({ type: 'delta', text: e.text }) }, now: () => clock });
  const flow = () => ({ req: { id: 'x', startedAt: 0, headers: {}, host: 'api.githubcopilot.com' }, kind: 'chat', path: '/chat/completions', view: { model: 'm', prompt: 'p' }, maskings: new Map(), response: { pace: [] } }) as unknown as Flow;
  const text = (s: string) => ({ kind: 'text' as const, channel: 'content:0', text: s }) as never;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    published.length = 0;
    clock = 1000;
  });
  afterEach(() => vi.useRealTimers());

  it('publishes the started event and a due delta only after the turn of the event, in order', () => {
    const f = flow();
    stage.request!(f, null);
    stage.responseEvent!(f, text('a'));
    expect(published).toEqual([]);
    vi.advanceTimersByTime(0); // the check phase after the event's turn
    expect(published).toEqual([{ type: 'started' }, { type: 'delta', text: 'a' }]);
    clock += 20;
    stage.responseEvent!(f, text('b'));
    vi.advanceTimersByTime(0);
    clock += 20;
    stage.responseEvent!(f, text('c'));
    expect(published).toHaveLength(2);
    vi.advanceTimersByTime(0);
    expect(published).toEqual([{ type: 'started' }, { type: 'delta', text: 'a' }, { type: 'delta', text: 'bc' }]);
  });

  it('sets no timer that fires between the events of a steady stream; a pause publishes what waits 80 ms after the first text since the last delta', () => {
    const f = flow();
    stage.request!(f, null);
    vi.advanceTimersByTime(0);
    published.length = 0;
    // Events every 20 ms for 200 ms: deltas at the events 40 ms apart, none from a timer in between.
    for (let i = 0; i < 10; i++) {
      stage.responseEvent!(f, text(String(i)));
      vi.advanceTimersByTime(0);
      const before = published.length;
      clock += 20;
      vi.advanceTimersByTime(19.9);
      expect(published.length).toBe(before);
    }
    // The first text starts the 40 ms; then every other event (40 ms on) carries a delta.
    expect(published.map((e) => e.text)).toEqual(['012', '34', '56', '78']);
    // The stream pauses after event 9 (the first text since the last delta): the rest 80 ms after it, not before.
    vi.advanceTimersByTime(80 - 19.9 - 1);
    expect(published).toHaveLength(4);
    vi.advanceTimersByTime(2);
    expect(published.map((e) => e.text)).toEqual(['012', '34', '56', '78', '9']);
  });

  it('the end publishes what is left at once and cancels what was scheduled', () => {
    const f = flow();
    stage.request!(f, null);
    stage.responseEvent!(f, text('x'));
    stage.end!(f, {} as never);
    expect(published).toEqual([{ type: 'started' }, { type: 'delta', text: 'x' }]);
    vi.runAllTimers();
    expect(published).toHaveLength(2);
  });
});
