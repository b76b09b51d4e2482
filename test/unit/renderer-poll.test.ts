/** The console's polling (usePolled's core): never two loads at once, nothing after the stop. */
import { describe, expect, it } from 'vitest';
import { poll, type Every } from '../../renderer/src/shared/poll.js';

/** A load the test settles by hand, counting how many were started. */
function loads() {
  const pending: Array<{ resolve(v: number): void; reject(e: Error): void }> = [];
  const load = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  return { load, pending };
}

/** A timer the test ticks by hand. */
function manualTimer() {
  const state = { tick: null as (() => void) | null, ms: 0, stopped: false };
  const timer: Every = (tick, ms) => {
    state.tick = tick;
    state.ms = ms;
    return () => void (state.stopped = true);
  };
  return { timer, state };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('poll', () => {
  it('loads at once, then on each tick, skipping a tick that comes while a load is out', async () => {
    const { load, pending } = loads();
    const { timer, state } = manualTimer();
    const seen: Array<number | string> = [];
    poll(load, 5_000, { data: (v) => seen.push(v), error: (m) => seen.push(m) }, timer);
    expect(pending).toHaveLength(1);
    expect(state.ms).toBe(5_000);

    state.tick!();
    state.tick!();
    expect(pending).toHaveLength(1); // the first is still out
    pending[0]!.resolve(1);
    await settle();
    state.tick!();
    expect(pending).toHaveLength(2);
    pending[1]!.reject(new Error('the server did not answer'));
    await settle();
    expect(seen).toEqual([1, 'the server did not answer']);
  });

  it('after the stop: no tick, and a load still out reports nothing', async () => {
    const { load, pending } = loads();
    const { timer, state } = manualTimer();
    const seen: number[] = [];
    const stop = poll(load, 15_000, { data: (v) => seen.push(v), error: () => seen.push(-1) }, timer);
    stop();
    expect(state.stopped).toBe(true);
    pending[0]!.resolve(7);
    await settle();
    expect(seen).toEqual([]);
  });

  it('with no interval: loads once and starts no timer', () => {
    const { load, pending } = loads();
    const { timer, state } = manualTimer();
    poll(load, null, { data: () => undefined, error: () => undefined }, timer);
    expect(pending).toHaveLength(1);
    expect(state.tick).toBeNull();
  });
});
