/**
 * The head of the hash chain: the newest record handed out (seq, hash), and the newest one
 * known durable, which the head falls back to when a write fails.
 */
import { GENESIS } from '../model/node.js';

export class ChainHead {
  seq = 0;
  hash = GENESIS;
  private durable = { seq: 0, hash: GENESIS };

  get current(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.hash };
  }

  /** The head moves to a record handed out (or found in replay). */
  set(seq: number, hash: string): void {
    this.seq = seq;
    this.hash = hash;
  }

  /** Everything up to the head is durable (after open's replay). */
  allDurable(): void {
    this.durable = this.current;
  }

  /** A record's frames are durable: the head may fall back no further. */
  confirmed(seq: number, hash: string): void {
    if (seq > this.durable.seq) this.durable = { seq, hash };
  }

  /** A write failed: the head goes back to the newest durable record. */
  rollback(): void {
    this.seq = this.durable.seq;
    this.hash = this.durable.hash;
  }
}
