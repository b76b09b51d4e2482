/**
 * Whether records can be kept: the failure state of the journal (full disk, I/O error), the
 * probe that tries writing again while no append comes, and the onHealth notices. Owns only
 * that state; what a failure undoes (the head, pending body locations) is the store's call.
 */
import type { Logger } from '../log.js';
import type { StoreHealth } from './types.js';

export class WriteHealth {
  private failure: { since: string; problem: string; unrecorded: number } | null = null;
  private lastUnrecorded = 0;
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly onHealth: ((state: StoreHealth) => void) | undefined,
    private readonly probeMs: number,
    /** Runs one probe (in the store's turn); true once writing works again. */
    private readonly probe: () => void,
  ) {}

  get ok(): boolean {
    return this.failure === null;
  }

  get state(): StoreHealth {
    const f = this.failure;
    return f ? { ok: false, since: f.since, problem: f.problem, unrecorded: f.unrecorded } : { ok: true, since: null, problem: null, unrecorded: this.lastUnrecorded };
  }

  /** An append failed while writing fails: counted as unrecorded. */
  countUnrecorded(): void {
    if (this.failure) this.failure.unrecorded++;
  }

  /** A write failed: the first failure is logged, announced and starts the probe. */
  failed(e: Error): void {
    const first = this.failure === null;
    this.failure ??= { since: new Date().toISOString(), problem: e.message, unrecorded: 0 };
    this.failure.problem = e.message;
    if (!first) return;
    this.log.error('audit records cannot be written; nothing is acknowledged until they can', { err: e });
    this.onHealth?.(this.state);
    this.probeTimer = setInterval(this.probe, this.probeMs);
    this.probeTimer.unref?.();
  }

  recovered(): void {
    const f = this.failure;
    if (!f) return;
    this.failure = null;
    this.lastUnrecorded = f.unrecorded;
    this.stop();
    this.log.warn('audit records can be written again', { failedSince: f.since, unrecorded: f.unrecorded });
    this.onHealth?.(this.state);
  }

  /** Stops probing (close, or recovered). */
  stop(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }
}
