/**
 * Exchanges started (their Started frame written) with no record yet. A crash leaves some
 * here: the next start writes a Gap frame for each, so the loss is on record (issue 20: 1 of
 * 159 responses in ten kill -9 rounds had no record).
 */
import type { Logger } from '../log.js';
import { Frame, frame } from './frames.js';
import type { JournalWriter } from './journal.js';
import type { ExchangeStart } from './types.js';

/** Open exchanges remembered at most (ones that never get a record must not grow without end). */
const MAX_OPEN_EXCHANGES = 10_000;

export class OpenExchanges {
  private readonly open = new Map<string, ExchangeStart>();
  /** Set by close(): exchanges still open then are not gaps of a crash. */
  closing = false;

  /** From the snapshot's meta row. */
  load(json: string | null): void {
    for (const e of JSON.parse(json ?? '[]') as ExchangeStart[]) this.open.set(e.id, e);
  }

  /** For the snapshot's meta row. */
  toJson(): string {
    return JSON.stringify(this.closing ? [] : [...this.open.values()]);
  }

  /** An exchange began. */
  started(e: ExchangeStart): void {
    if (this.open.size >= MAX_OPEN_EXCHANGES) this.open.delete(this.open.keys().next().value!);
    this.open.set(e.id, e);
  }

  /** Its Started frame was found in replay. */
  found(e: ExchangeStart): void {
    this.open.set(e.id, e);
  }

  /** Its record (or gap) is written. */
  ended(id: string): void {
    this.open.delete(id);
  }

  /** Exchanges the last run started but never recorded (it crashed): one durable gap frame each. */
  async recordGaps(journal: JournalWriter, log: Logger): Promise<void> {
    const gaps = [...this.open.values()];
    this.open.clear();
    if (gaps.length === 0) return;
    try {
      await Promise.all(gaps.map((g) => journal.append(frame(Frame.Gap, Buffer.from(JSON.stringify(g)))).durable));
    } catch (e) {
      log.error('exchanges of the last run have no audit record, and the gaps could not be recorded', { err: e, ids: gaps.slice(0, 20).map((g) => g.id) });
      return;
    }
    log.warn('exchanges of the last run have no audit record (it stopped before they were durable); the gaps are recorded', { count: gaps.length, ids: gaps.slice(0, 20).map((g) => g.id) });
  }
}
