/**
 * The pause switch with the clock and timers passed in: who paused and until when, the
 * policy's limit ending a pause by itself, a policy that stops allowing pauses ending one.
 */
import { describe, expect, it } from 'vitest';
import { InterceptionSwitch, type InterceptionSwitchState, type PauseLimits } from '../../proxy/intercept/index.js';

function harness(limits: PauseLimits) {
  let now = Date.parse('2026-12-02T10:00:00.000Z');
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const changes: Array<{ next: InterceptionSwitchState; why: string }> = [];
  const sw = new InterceptionSwitch({
    limits: () => limits,
    now: () => now,
    schedule: (fn, ms) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return () => void (t.cancelled = true);
    },
    onChange: (next, _previous, why) => changes.push({ next, why }),
  });
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers) if (!t.cancelled && t.at <= now) {
      t.cancelled = true;
      t.fn();
    }
  };
  return { sw, changes, advance, timers };
}

describe('interception switch', () => {
  it('records who paused, from where, since and until when; the limit ends the pause by itself', () => {
    const h = harness({ allowed: true, maxMinutes: 30 });
    expect(h.sw.current()).toBeNull();
    const s = h.sw.pauseBy('ada@example.com', 'tray');
    expect(s).toEqual({ paused: true, since: '2026-12-02T10:00:00.000Z', by: 'ada@example.com', via: 'tray', until: '2026-12-02T10:30:00.000Z', allowed: true });
    expect(h.sw.current()).toEqual({ since: '2026-12-02T10:00:00.000Z', by: 'ada@example.com' });
    h.advance(29 * 60_000);
    expect(h.sw.state().paused).toBe(true);
    h.advance(60_000);
    expect(h.sw.state()).toMatchObject({ paused: false, since: null, by: null });
    expect(h.changes.map((c) => c.why)).toEqual(['paused', 'the pause reached its limit of 30 min (policy, policy)']);
  });

  it('without a limit a pause lasts until someone resumes; resuming twice changes nothing', () => {
    const h = harness({ allowed: true, maxMinutes: 0 });
    expect(h.sw.pauseBy('ada', 'cli').until).toBeNull();
    expect(h.timers).toHaveLength(0);
    expect(h.sw.resume('bob', 'window').paused).toBe(false);
    h.sw.resume('bob', 'window');
    expect(h.changes.map((c) => c.why)).toEqual(['paused', 'resumed (bob, window)']);
  });

  it('refuses a pause the policy does not allow, and a policy change ends or re-limits a pause', () => {
    const limits: PauseLimits = { allowed: false, maxMinutes: 60 };
    const h = harness(limits);
    expect(() => h.sw.pauseBy('ada', 'tray')).toThrow(expect.objectContaining({ code: 'PAUSE_NOT_ALLOWED' }));
    limits.allowed = true;
    h.sw.pauseBy('ada', 'tray');
    h.advance(10 * 60_000);
    limits.maxMinutes = 15; // counted from the start of the pause
    h.sw.policyChanged();
    expect(h.sw.state().until).toBe('2026-12-02T10:15:00.000Z');
    limits.allowed = false;
    h.sw.policyChanged();
    expect(h.sw.state()).toMatchObject({ paused: false, allowed: false });
    expect(h.changes.at(-1)!.why).toBe('pausing is no longer allowed by the policy (policy, policy)');
    h.advance(60 * 60_000); // the cancelled limit does not fire later
    expect(h.changes).toHaveLength(2);
  });
});
