/**
 * Whether interception is paused, by whom, since when and until when. A pause is allowed
 * only while the policy in force allows it (intercept.pause.allowed) and ends by itself
 * after intercept.pause.maxMinutes; a policy that stops allowing pauses ends the current
 * one at once. The state lives in memory: an engine always starts intercepting.
 * Owns no socket: the proxy asks `current()` for each CONNECT, and the caller closes the
 * paused tunnels when `onChange` reports a resume.
 */
import { WitnessError } from '../errors.js';
import type { PauseInfo } from './paused-tunnel.js';

export type PauseVia = 'tray' | 'window' | 'cli' | 'api' | 'policy';

export interface PauseLimits {
  allowed: boolean;
  /** 0: no limit. */
  maxMinutes: number;
}

export interface InterceptionSwitchState {
  paused: boolean;
  since: string | null;
  by: string | null;
  via: PauseVia | null;
  until: string | null;
  allowed: boolean;
}

export interface InterceptionSwitchOptions {
  /** The policy in force's limits, read at each pause and policy change. */
  limits(): PauseLimits;
  onChange(next: InterceptionSwitchState, previous: InterceptionSwitchState, why: string): void;
  now?: () => number;
  schedule?: (fn: () => void, ms: number) => () => void;
}

interface Pause {
  since: number;
  by: string;
  via: PauseVia;
  until: number | null;
  cancelTimer: (() => void) | null;
}

export class InterceptionSwitch {
  private pause: Pause | null = null;

  constructor(private readonly opts: InterceptionSwitchOptions) {}

  /** The pause in effect (for each CONNECT), or null when intercepting. */
  current(): PauseInfo | null {
    return this.pause ? { since: new Date(this.pause.since).toISOString(), by: this.pause.by } : null;
  }

  state(): InterceptionSwitchState {
    const p = this.pause;
    return {
      paused: p !== null,
      since: p ? new Date(p.since).toISOString() : null,
      by: p?.by ?? null,
      via: p?.via ?? null,
      until: p?.until ? new Date(p.until).toISOString() : null,
      allowed: this.opts.limits().allowed,
    };
  }

  /** Pauses (already paused: unchanged). PAUSE_NOT_ALLOWED when the policy forbids it. */
  pauseBy(by: string, via: PauseVia): InterceptionSwitchState {
    const limits = this.opts.limits();
    if (!limits.allowed) {
      throw new WitnessError('PAUSE_NOT_ALLOWED', 'Your organization\'s policy does not allow pausing interception (intercept.pause.allowed): Copilot traffic stays audited.');
    }
    if (this.pause) return this.state();
    const before = this.state();
    const since = this.now();
    this.pause = { since, by, via, until: null, cancelTimer: null };
    this.limit(limits.maxMinutes);
    this.opts.onChange(this.state(), before, 'paused');
    return this.state();
  }

  /** Resumes (not paused: unchanged). */
  resume(by: string, via: PauseVia, why = 'resumed'): InterceptionSwitchState {
    if (!this.pause) return this.state();
    const before = this.state();
    this.pause.cancelTimer?.();
    this.pause = null;
    this.opts.onChange(this.state(), before, `${why} (${by}, ${via})`);
    return this.state();
  }

  /** The policy changed: a pause it no longer allows ends now; a new limit counts from the pause's start. */
  policyChanged(): void {
    if (!this.pause) return;
    const limits = this.opts.limits();
    if (!limits.allowed) {
      this.resume('policy', 'policy', 'pausing is no longer allowed by the policy');
      return;
    }
    this.limit(limits.maxMinutes);
  }

  close(): void {
    this.pause?.cancelTimer?.();
  }

  private limit(maxMinutes: number) {
    const p = this.pause!;
    p.cancelTimer?.();
    p.cancelTimer = null;
    p.until = maxMinutes > 0 ? p.since + maxMinutes * 60_000 : null;
    if (p.until === null) return;
    const schedule =
      this.opts.schedule ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return () => clearTimeout(t);
      });
    p.cancelTimer = schedule(() => this.resume('policy', 'policy', `the pause reached its limit of ${maxMinutes} min`), Math.max(0, p.until - this.now()));
  }

  private now() {
    return (this.opts.now ?? Date.now)();
  }
}
