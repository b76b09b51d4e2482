/**
 * StallTimers' idle timer: progress only notes the time, and the timer, when it fires, is
 * armed again for what is left after the last progress. The body must still be cut exactly
 * idleTimeoutMs after its last progress, never earlier and never later.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStallError, StallTimers } from '../../proxy/intercept/stall.js';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => vi.useRealTimers());

function body() {
  const destroyed: Error[] = [];
  const res = { destroy: (e: Error) => void destroyed.push(e) } as unknown as IncomingMessage;
  const req = { destroyed: false, destroy: () => undefined } as unknown as ClientRequest;
  return { res, req, destroyed };
}

describe('StallTimers idle timer', () => {
  it('cuts a body exactly idleTimeoutMs after its last progress, however often progress came', () => {
    const { res, req, destroyed } = body();
    const t = new StallTimers(req, 1000, 800);
    t.awaitBody(res);
    // Progress every 100 ms for 2 s: never cut (the first arming alone would have fired at 800 ms).
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(100);
      t.progress();
    }
    expect(destroyed).toHaveLength(0);
    vi.advanceTimersByTime(799);
    expect(destroyed).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(destroyed).toHaveLength(1);
    expect(isStallError(destroyed[0])).toBe(true);
    expect(destroyed[0]!.message).toContain('nothing for 800 ms');
  });

  it('cuts a body with no progress at all after idleTimeoutMs, and not once cleared', () => {
    const a = body();
    const ta = new StallTimers(a.req, 1000, 800);
    ta.awaitBody(a.res);
    vi.advanceTimersByTime(799);
    expect(a.destroyed).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(a.destroyed).toHaveLength(1);

    const b = body();
    const tb = new StallTimers(b.req, 1000, 800);
    tb.awaitBody(b.res);
    vi.advanceTimersByTime(500);
    tb.progress();
    vi.advanceTimersByTime(400); // the first arming fired and re-armed for the rest
    tb.clear();
    vi.advanceTimersByTime(10_000);
    expect(b.destroyed).toHaveLength(0);
  });
});
