/**
 * The batched index queue: index writes (record rows, body and list locations) wait here and
 * are applied in slices off the append path, inside one long transaction of the in-memory
 * index. Owns only the queue, its timers and the open transaction; what a write does is the
 * caller's closure. Durability is the journal's job: the index is rebuilt from it when lost.
 */
import type { Statements } from './db.js';

/** Index writes applied per background turn (about 0.1–0.2 ms each). */
const INDEX_SLICE = 12;
/** Index writes per transaction of the in-memory index. */
const INDEX_TXN = 2000;

export class IndexQueue {
  private pending: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  /** Index writes applied since the open index transaction began (-1: none is open). */
  private txWrites = -1;
  /**
   * The index missed some writes (the frames themselves are durable). No snapshot may be
   * written from then on, so the next start replays those frames from the last good one.
   */
  broken = false;

  constructor(
    private readonly st: Statements,
    private readonly onFailure: (e: Error) => void,
  ) {}

  /**
   * Applies waiting index writes: all of them (every read path calls this first), or at most
   * `limit` (the background path, so no single turn of the event loop stalls for long).
   * They go into one long transaction, committed every INDEX_TXN writes and before a
   * snapshot: a commit only moves sql.js's dirty pages and FTS terms into its in-memory
   * file, and done per slice it was a third of the index's cost.
   */
  sync(limit = Infinity): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const work = this.pending.length <= limit ? this.pending : this.pending.slice(0, limit);
    this.pending = work === this.pending ? [] : this.pending.slice(limit);
    if (this.txWrites < 0) {
      this.st.run('BEGIN', []);
      this.txWrites = 0;
    }
    try {
      for (const w of work) w();
      this.txWrites += work.length;
      if (this.txWrites >= INDEX_TXN) this.commit();
    } catch (e) {
      this.txWrites = -1;
      this.st.run('ROLLBACK', []);
      throw e;
    } finally {
      if (this.pending.length > 0) this.schedule(0);
    }
  }

  /** sync(), with a failure reported (the index is then broken) instead of thrown. */
  syncOrReport(limit = Infinity): void {
    try {
      this.sync(limit);
    } catch (e) {
      this.broken = true;
      this.onFailure(e as Error);
    }
  }

  /** Commits the open index transaction, if any (sql.js can only export with none open). */
  commit(): void {
    if (this.txWrites < 0) return;
    this.txWrites = -1;
    this.st.run('COMMIT', []);
  }

  queue(work: () => void): void {
    this.pending.push(work);
    // A full slice runs right after this turn: the append's frames are being written then,
    // so the index work overlaps the disk wait instead of landing on a later append.
    if (this.pending.length >= INDEX_SLICE) this.scheduleSoon();
    else this.schedule(20);
  }

  private scheduleSoon() {
    this.soon ??= setImmediate(() => {
      this.soon = null;
      this.syncOrReport(INDEX_SLICE);
    });
    this.soon.unref?.();
  }

  private schedule(ms: number) {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.syncOrReport(INDEX_SLICE);
    }, ms);
    this.timer.unref?.();
  }
}
