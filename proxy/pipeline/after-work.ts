/**
 * What the data path does after an exchange has ended (record assembly, the `recorded`
 * stages: publish, audit append, sync), run when it delays no request: a client's next
 * request on a kept-alive connection arrives a fraction of a millisecond after the last
 * answer, and waited behind the previous exchange's record. Work is queued in order and run
 * in order, once no exchange is in its first milliseconds (a request waiting for its answer
 * or first event), with hard bounds: never later than `maxDelayMs` after the oldest item
 * was queued, never more than `maxQueued` items waiting. `flush()` runs everything now
 * (shutdown, and anything that must follow the queued records in order).
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

  constructor(
    /** True while some exchange would be delayed by work done now. */
    private readonly busy: () => boolean,
    private readonly limits: AfterWorkLimits = AFTER_WORK_LIMITS,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  push(work: () => void): void {
    if (this.queue.length === 0) this.oldest = performance.now();
    this.queue.push(work);
    if (this.queue.length >= this.limits.maxQueued) this.flush();
    else this.arm(this.limits.idleMs);
  }

  /**
   * Runs every queued item now, in the order queued. An item that throws does not keep the
   * later ones from running; the first error is thrown once all have run (as it would have
   * been from the end hook).
   */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    let failed: { error: unknown } | null = null;
    // Items queued while these run run in this flush too.
    while (this.queue.length > 0) {
      const items = this.queue;
      this.queue = [];
      for (const w of items) {
        try {
          w();
        } catch (error) {
          failed ??= { error };
        }
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
      else this.flush();
    }, ms);
  }
}
