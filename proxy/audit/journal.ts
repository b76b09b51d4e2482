/**
 * The append-only encrypted journal: how a record becomes durable without rewriting the
 * database. File = header ("WJNL1\n" + 16-byte file id) then frames:
 *   u32 length (big-endian) || AES-256-GCM(nonce || ciphertext || tag), AAD = file id.
 * Appends are grouped: every frame queued while a write+fdatasync is in flight goes out in
 * the next single write+fdatasync (group commit); a promise resolves only once its frame is
 * on disk. On read, a torn last frame (crash mid-write) is reported and cut off; a frame
 * that fails authentication elsewhere is reported as tampering, and reading goes on.
 * The writer keeps zeros written ahead of the last frame (PREALLOCATE), so that a frame's
 * durable write does not change the file's size: the sync then skips the file-system
 * journal commit (measured here: 0.25–0.39 → 0.16–0.24 ms per write). A reader stops at the zeros;
 * a clean close cuts them off.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { open, seal } from './aead.js';

const MAGIC = Buffer.from('WJNL1\n');
const HEADER = MAGIC.length + 16;
const MAX_FRAME = 64 * 1024 * 1024;
/** Zeros written ahead of the frames, this many bytes at a time… */
const PREALLOCATE = 1024 * 1024;
/** …once fewer than this many are left. */
const PREALLOCATE_LOW = 256 * 1024;
let zeros: Buffer | null = null;

export interface JournalIssue {
  kind: 'torn-tail' | 'tampered-frame' | 'bad-header';
  offset: number;
  detail: string;
}

/** A frame with where it sits: `offset` of its length prefix, `length` of the sealed bytes. */
export type JournalEntry = { frame: Buffer; offset: number; length: number; issue?: undefined } | { frame?: undefined; issue: JournalIssue };

export interface JournalReadResult {
  /** Frames and problems, in file order (so a problem can be placed between records). */
  entries: JournalEntry[];
  issues: JournalIssue[];
  /** Where valid data ends (the torn tail starts). */
  validLength: number;
}

/** Reads the frames of a journal file from byte `from` on (a frame boundary; the header is always read). */
export function readJournal(file: string, key: Buffer, from = 0): JournalReadResult {
  const out: JournalReadResult = { entries: [], issues: [], validLength: 0 };
  const problem = (issue: JournalIssue) => {
    out.issues.push(issue);
    out.entries.push({ issue });
  };
  if (!existsSync(file)) return out;
  if (from > HEADER && statSync(file).size < from) {
    problem({ kind: 'tampered-frame', offset: from, detail: `the file ends at byte ${statSync(file).size}, before the ${from} bytes the index covers (truncated)` });
    out.validLength = statSync(file).size;
    return out;
  }
  const data = from > HEADER ? readTail(file, from) : readFileSync(file);
  if (data.length < HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (data.length > 0) problem({ kind: data.length < HEADER ? 'torn-tail' : 'bad-header', offset: 0, detail: 'journal header is missing or damaged' });
    return out;
  }
  const fileId = data.subarray(MAGIC.length, HEADER);
  // With `from`, `data` is the header followed by the file from `from` on: positions are
  // reported as file offsets.
  const shift = from > HEADER ? from - HEADER : 0;
  // Past the last non-zero byte is space written ahead (or never used): frames end before
  // it, or run into it (a frame's own last bytes may be zero, so it is read in full).
  let dataEnd = data.length;
  while (dataEnd > HEADER && data[dataEnd - 1] === 0) dataEnd--;
  let pos = HEADER;
  out.validLength = pos + shift;
  while (pos < dataEnd) {
    if (pos + 4 > data.length) {
      problem({ kind: 'torn-tail', offset: pos + shift, detail: `${data.length - pos} trailing bytes (a write cut short by a crash)` });
      break;
    }
    const len = data.readUInt32BE(pos);
    if (len < 28 || len > MAX_FRAME || pos + 4 + len > data.length) {
      const last = pos + 4 + len >= dataEnd || len > MAX_FRAME;
      problem({ kind: last ? 'torn-tail' : 'tampered-frame', offset: pos + shift, detail: `frame length ${len} does not fit the file` });
      break;
    }
    const sealed = data.subarray(pos + 4, pos + 4 + len);
    try {
      out.entries.push({ frame: open(key, sealed, fileId), offset: pos + shift, length: len });
      out.validLength = pos + shift + 4 + len;
    } catch {
      const atEnd = pos + 4 + len >= dataEnd;
      problem({ kind: atEnd ? 'torn-tail' : 'tampered-frame', offset: pos + shift, detail: 'frame failed authentication' });
      if (!atEnd) out.validLength = pos + shift + 4 + len; // keep reading past a damaged frame
    }
    pos += 4 + len;
  }
  return out;
}

/** The header and the bytes from `from` on, as one buffer. */
function readTail(file: string, from: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = Buffer.alloc(HEADER + Math.max(0, size - from));
    readSync(fd, out, 0, HEADER, 0);
    if (size > from) readSync(fd, out, HEADER, size - from, from);
    return out;
  } finally {
    closeSync(fd);
  }
}

export class JournalWriter {
  private fh: FileHandle | null = null;
  private fileId!: Buffer;
  private queue: Array<{ off: number; buf: Buffer; resolve: () => void; reject: (e: Error) => void }> = [];
  /** The batch being written now. */
  private writing: Array<{ off: number; buf: Buffer }> = [];
  private flushing: Promise<void> | null = null;
  /** Bytes on disk (durable). */
  bytes = 0;
  /** Where the next frame goes (durable bytes plus frames queued). */
  end = 0;
  private broken: Error | null = null;
  private dsync = false;
  /** The file's size: frames, then zeros written ahead. */
  private allocated = 0;
  /** Zeros being written at `allocated` (frames that would reach into them wait for it). */
  private extending: Promise<void> | null = null;
  /** Writing ahead failed once (disk full?): frames are simply appended from then on. */
  private noPreallocate = false;

  private constructor(
    readonly file: string,
    private readonly key: Buffer,
  ) {}

  /** Opens for appending; cuts off a torn tail at `validLength` first. */
  static async open(file: string, key: Buffer, validLength: number): Promise<JournalWriter> {
    const w = new JournalWriter(file, key);
    if (!existsSync(file) || validLength < HEADER) {
      const fd = openSync(file, 'w', 0o600);
      w.fileId = randomBytes(16);
      writeSync(fd, Buffer.concat([MAGIC, w.fileId]));
      fsyncSync(fd);
      closeSync(fd);
      w.bytes = HEADER;
    } else {
      const fd = openSync(file, 'r+');
      const head = Buffer.alloc(HEADER);
      readSync(fd, head, 0, HEADER, 0);
      w.fileId = head.subarray(MAGIC.length);
      ftruncateSync(fd, validLength);
      fsyncSync(fd);
      closeSync(fd);
      w.bytes = validLength;
    }
    w.end = w.bytes;
    w.allocated = w.bytes;
    // O_DSYNC: each write returns once durable (one trip to the thread pool, not two).
    // Positional writes (no O_APPEND): frames go before the zeros written ahead.
    w.fh = await openFile(file, constants.O_WRONLY | constants.O_CREAT | (constants.O_DSYNC ?? 0), 0o600);
    w.dsync = (constants.O_DSYNC ?? 0) !== 0;
    w.writeAhead();
    return w;
  }

  /** Starts writing zeros past the end when few are left (never awaited by appends directly). */
  private writeAhead(): void {
    if (this.extending || this.noPreallocate || this.broken || this.allocated - this.end >= PREALLOCATE_LOW) return;
    zeros ??= Buffer.alloc(PREALLOCATE);
    const at = this.allocated;
    this.extending = (async () => {
      try {
        await this.fh!.write(zeros!, 0, zeros!.length, at);
        if (!this.dsync) await this.fh!.datasync();
        this.allocated = Math.max(this.allocated, at + zeros!.length);
      } catch {
        this.noPreallocate = true;
      } finally {
        this.extending = null;
      }
    })();
  }

  /** Queues a frame; `durable` resolves once it is on disk (fdatasync). */
  append(plaintext: Buffer): { offset: number; length: number; durable: Promise<void> } {
    const sealed = seal(this.key, plaintext, this.fileId);
    const buf = Buffer.allocUnsafe(4 + sealed.length);
    buf.writeUInt32BE(sealed.length, 0);
    sealed.copy(buf, 4);
    const offset = this.end;
    this.end += buf.length;
    const durable = new Promise<void>((resolve, reject) => {
      if (this.broken) return reject(new Error(`the audit journal cannot be written: ${this.broken.message}`));
      this.queue.push({ off: offset, buf, resolve, reject });
      // Start writing once the caller's synchronous work is done, so the frames of one
      // record (bodies, list node, record) go out in one write.
      if (!this.flushing) this.flushing = Promise.resolve().then(() => this.flushLoop());
    });
    return { offset, length: sealed.length, durable };
  }

  /**
   * The plaintext of a frame that is queued or being written (not yet readable from the
   * file), or null. Rare: a read of a record appended a moment ago.
   */
  inFlight(offset: number): Buffer | null {
    for (const list of [this.writing, this.queue]) {
      for (const f of list) if (f.off === offset) return open(this.key, f.buf.subarray(4), this.fileId);
    }
    return null;
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.writing = batch;
      try {
        const data = Buffer.concat(batch.map((b) => b.buf));
        const at = batch[0]!.off;
        // Zeros in flight where these frames go would land on them: let them finish first.
        if (this.extending && at + data.length > this.allocated) await this.extending;
        await this.fh!.write(data, 0, data.length, at);
        if (!this.dsync) await this.fh!.datasync();
        this.bytes = at + data.length;
        this.allocated = Math.max(this.allocated, this.bytes);
        this.writing = [];
        for (const b of batch) b.resolve();
        this.writeAhead();
      } catch (e) {
        // A failed write (disk full, I/O error) leaves the file's end unknown: refuse
        // everything after it rather than hand out offsets that may be wrong.
        this.broken = e as Error;
        this.writing = [];
        for (const b of [...batch, ...this.queue.splice(0)]) b.reject(e as Error);
      }
    }
    this.flushing = null;
  }

  /** Resolves once everything queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Writes what is queued, then cuts off the zeros written ahead. */
  async close(): Promise<void> {
    await this.flush();
    while (this.extending) await this.extending;
    // By the file's own size: a write ahead that failed part-way may have left some zeros.
    if (this.fh && !this.broken && (await this.fh.stat()).size > this.bytes) {
      await this.fh.truncate(this.bytes);
      await this.fh.sync();
    }
    await this.fh?.close();
    this.fh = null;
  }
}
