/**
 * The segment being appended to (its writer and number), and reading frames back by location
 * (from memory while their write is in flight). Starting the next segment past a size is here;
 * what a failed write means for the store is the `health` it is given.
 */
import type { AuditRecord } from '../model/index.js';
import type { Loc } from './db.js';
import { decodeFrame, Frame, groupEntry, type FrameEntry } from './frames.js';
import { JournalWriter, type JournalHealth, type JournalIo } from './journal.js';
import type { Segments } from './segments.js';

export class JournalTail {
  private writer: JournalWriter | null = null;
  /** The segment being appended to. */
  current = 1;

  constructor(
    readonly segments: Segments,
    private readonly key: Buffer,
    private readonly io: JournalIo | undefined,
    private readonly health: JournalHealth,
  ) {}

  /** The open writer (null: read-only, or closed). */
  get journal(): JournalWriter | null {
    return this.writer;
  }

  /** Opens segment `n` for appending, cutting it back to `validLength` bytes. */
  async start(n: number, validLength: number): Promise<void> {
    this.current = n;
    this.writer = await this.openWriter(n, validLength);
  }

  private openWriter(n: number, validLength: number): Promise<JournalWriter> {
    return JournalWriter.open(this.segments.path(n), this.key, validLength, { ...(this.io ? { io: this.io } : {}), health: this.health });
  }

  /** Queues a frame in the current segment; its location, readable at once. */
  write(body: Buffer, durables: Promise<void>[]): Loc {
    const { offset, length, durable } = this.writer!.append(body);
    durables.push(durable);
    return { seg: this.current, off: offset, len: length };
  }

  /** Closes the current segment (everything in it durable) and starts the next. */
  async nextSegment(): Promise<void> {
    let next: JournalWriter;
    try {
      next = await this.openWriter(this.current + 1, 0);
    } catch (e) {
      // The current segment stays open: a full disk must not leave the store without a writer.
      this.health.failed(e as Error, -1);
      throw e;
    }
    await this.writer!.close();
    this.current++;
    this.writer = next;
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = null;
  }

  /** The plaintext frame at `loc` (from memory while its write is in flight). */
  frameAt(loc: Loc): Buffer {
    return (loc.seg === this.current ? this.writer?.inFlight(loc.off) : null) ?? this.segments.read(loc);
  }

  /**
   * The entry at `loc`, whether a frame of its own or inside a group: its type and plain
   * body (for B, the 32-byte hash then the text). Throws when unreadable.
   */
  entryAt(loc: Loc): FrameEntry {
    const f = this.frameAt(loc);
    return loc.sub !== null && loc.sub !== undefined ? groupEntry(f, loc.sub) : decodeFrame(f);
  }

  /** The record whose frame is at `loc`; throws when unreadable or not the expected seq. */
  recordAt(loc: Loc, expectSeq?: number): AuditRecord {
    const e = this.entryAt(loc);
    if (e.type !== Frame.Record && e.type !== Frame.Copied) throw new Error(`the frame at segment ${loc.seg} byte ${loc.off} is not a record`);
    const r = JSON.parse(e.body.toString('utf8')) as AuditRecord;
    if (expectSeq !== undefined && r.seq !== expectSeq) throw new Error(`the frame indexed as seq ${expectSeq} holds seq ${r.seq}`);
    return r;
  }
}
