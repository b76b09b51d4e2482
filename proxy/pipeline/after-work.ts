/**
 * What the data path does after an exchange has ended (record assembly, the `recorded`
 * stages: publish, audit append, sync), run when it delays no request: a client's next
 * request on a kept-alive connection arrives a fraction of a millisecond after the last
 * answer, and waited behind the previous exchange's record. Work is queued in order and run
 * in order, once no exchange is in its first milliseconds (a request waiting for its answer
 * or first event), with hard bounds: never later than `maxDelayMs` after the oldest item
 * was queued, never more than `maxQueued` items waiting. `flush()` runs everything now
 * (shutdown, and anything that must follow the queued records in order).
 *
 * `later()` is for the second half of an item: work the item starts for after its turn of the
 * event loop (the audit append of the record it assembled). The turn after a flush is where
 * the client's next request on a kept-alive connection lands: it is read and forwarded, and a
 * check-phase append (0.5–2 ms of sealing and writing) then sat between it and its answer, so
 * a fast upstream's head and first event waited for it (measured on the paced bench: the
 * first event 1.0–1.5 ms without the collision, 1.6–2.7 ms with it). So `later` work runs after this
 * turn as before when nothing is young, and otherwise joins the queue and waits like any item.
 */

export interface AfterWorkLimits {
  /** How long to wait before looking whether the loop is free (ms). */
  idleMs: number;
  /** The latest an item runs after it was queued (ms), busy or not. */
  maxDelayMs: number;
  /** Queued items at which the queue is run at once. */
  maxQueued: number;
}

export const AFTER_WORK_LIMITS: AfterWorkLimits = { idleMs: 1, maxDelayMs: 50, maxQueued: 32 };

export class AfterWork {
  private queue: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the oldest waiting item was queued (performance.now()). */
  private oldest = 0;
  /** Work given to `later()` and not yet looked at (after the current turn). */
  private soon: Array<{ work: () => void; defer: () => boolean }> = [];
  private soonTimer: NodeJS.Immediate | null = null;

  constructor(
    /** True while some exchange would be delayed by work done now. */
    private readonly busy: () => boolean,
    private readonly limits: AfterWorkLimits = AFTER_WORK_LIMITS,
  ) {}

  get waiting(): number {
    return this.queue.length + this.soon.length;
  }

  /**
   * Runs `work` after this turn of the event loop (as setImmediate would: I/O waiting now, a
   * response's last bytes or the client's next request, is handled first), unless then some
   * exchange is young or queued work is waiting: it is then queued behind that work. Work
   * given to `later` runs in the order given, also across `flush()`. `defer` false at that
   * moment (the store cannot record): run now, with everything queued before it.
   */
  later(work: () => void, defer: () => boolean = () => true): void {
    this.soon.push({ work, defer });
    this.soonTimer ??= setImmediate(this.takeSoon);
  }

  /** After the turn `later` was called in: each item then runs, waits behind the queue, or (defer false) runs with it now. */
  private readonly takeSoon = () => {
    this.soonTimer = null;
    // Only what was given before this moment: work an item gives to `later` waits for the next turn.
    try {
      for (let n = this.soon.length; n > 0 && this.soon.length > 0; n--) {
        if (!this.soon[0]!.defer()) return this.flush();
        const { work } = this.soon.shift()!;
        if (this.queue.length > 0 || this.busy()) this.push(work);
        else work();
      }
    } finally {
      // An item that threw leaves the rest for the next turn, not for good.
      if (this.soon.length > 0) this.soonTimer ??= setImmediate(this.takeSoon);
    }
  };

  push(work: () => void): void {
    if (this.queue.length === 0) this.oldest = performance.now();
    this.queue.push(work);
    if (this.queue.length >= this.limits.maxQueued) this.run(false);
    else this.arm(this.limits.idleMs);
  }

  /**
   * Runs every queued item now, in the order queued, and the work given to `later` (after
   * them, in the order given). An item that throws does not keep the later ones from
   * running; the first error is thrown once all have run (as it would have been from the end
   * hook).
   */
  flush(): void {
    this.run(true);
  }

  /** The queue (and with `all`, the work waiting for its turn), one item at a time from the head. */
  private run(all: boolean): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (all && this.soonTimer) {
      clearImmediate(this.soonTimer);
      this.soonTimer = null;
    }
    let failed: { error: unknown } | null = null;
    // From the head, so that items queued while these run (in this run too) keep their place.
    // `later` work comes after the queue: what it moved into the queue was given before
    // anything still waiting in `soon`. Without `all`, what items give to `later` now waits
    // for its own turn (the next request's I/O comes first).
    while (this.queue.length > 0 || (all && this.soon.length > 0)) {
      const w = this.queue.length > 0 ? this.queue.shift()! : this.soon.shift()!.work;
      try {
        w();
      } catch (error) {
        failed ??= { error };
      }
    }
    if (failed) throw failed.error;
  }

  private arm(ms: number) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const late = this.limits.maxDelayMs - (performance.now() - this.oldest);
      if (late > 0 && this.busy()) this.arm(Math.max(1, Math.min(this.limits.idleMs, late)));
      else this.run(false);
    }, ms);
  }
}
