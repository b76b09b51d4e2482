/**
 * The append-only encrypted journal: how a record becomes durable without rewriting the
 * database. File = header ("WJNL1\n" + 16-byte file id) then frames:
 *   u32 length (big-endian) || AES-256-GCM(nonce || ciphertext || tag), AAD = file id.
 * Appends are grouped: every frame queued while a write+fdatasync is in flight goes out in
 * the next single write+fdatasync (group commit); a promise resolves only once its frame is
 * on disk. On read, a torn last frame (crash mid-write) is reported and cut off; a frame
 * that fails authentication elsewhere is reported as tampering, and reading goes on.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { open, seal } from './aead.js';

const MAGIC = Buffer.from('WJNL1\n');
const HEADER = MAGIC.length + 16;
/** Bytes of a journal with no frames. */
export const JOURNAL_HEADER_LENGTH = HEADER;
const MAX_FRAME = 64 * 1024 * 1024;

export interface JournalIssue {
  kind: 'torn-tail' | 'tampered-frame' | 'bad-header';
  offset: number;
  detail: string;
}

export type JournalEntry = { frame: Buffer; issue?: undefined } | { frame?: undefined; issue: JournalIssue };

export interface JournalReadResult {
  /** Frames and problems, in file order (so a problem can be placed between records). */
  entries: JournalEntry[];
  issues: JournalIssue[];
  /** Where valid data ends (the torn tail starts). */
  validLength: number;
}

export function readJournal(file: string, key: Buffer): JournalReadResult {
  const out: JournalReadResult = { entries: [], issues: [], validLength: 0 };
  const problem = (issue: JournalIssue) => {
    out.issues.push(issue);
    out.entries.push({ issue });
  };
  if (!existsSync(file)) return out;
  const data = readFileSync(file);
  if (data.length < HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (data.length > 0) problem({ kind: data.length < HEADER ? 'torn-tail' : 'bad-header', offset: 0, detail: 'journal header is missing or damaged' });
    return out;
  }
  const fileId = data.subarray(MAGIC.length, HEADER);
  let pos = HEADER;
  out.validLength = pos;
  while (pos < data.length) {
    if (pos + 4 > data.length) {
      problem({ kind: 'torn-tail', offset: pos, detail: `${data.length - pos} trailing bytes (a write cut short by a crash)` });
      break;
    }
    const len = data.readUInt32BE(pos);
    if (len < 28 || len > MAX_FRAME || pos + 4 + len > data.length) {
      const last = pos + 4 + len >= data.length || len > MAX_FRAME;
      problem({ kind: last ? 'torn-tail' : 'tampered-frame', offset: pos, detail: `frame length ${len} does not fit the file` });
      break;
    }
    const sealed = data.subarray(pos + 4, pos + 4 + len);
    try {
      out.entries.push({ frame: open(key, sealed, fileId) });
      out.validLength = pos + 4 + len;
    } catch {
      const atEnd = pos + 4 + len === data.length;
      problem({ kind: atEnd ? 'torn-tail' : 'tampered-frame', offset: pos, detail: 'frame failed authentication' });
      if (!atEnd) out.validLength = pos + 4 + len; // keep reading past a damaged frame
    }
    pos += 4 + len;
  }
  return out;
}

export class JournalWriter {
  private fh: FileHandle | null = null;
  private fileId!: Buffer;
  private queue: Array<{ buf: Buffer; resolve: () => void; reject: (e: Error) => void }> = [];
  private flushing: Promise<void> | null = null;
  bytes = 0;

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
      const { readSync } = await import('node:fs');
      readSync(fd, head, 0, HEADER, 0);
      w.fileId = head.subarray(MAGIC.length);
      ftruncateSync(fd, validLength);
      fsyncSync(fd);
      closeSync(fd);
      w.bytes = validLength;
    }
    w.fh = await openFile(file, 'a', 0o600);
    return w;
  }

  /** Resolves once the frame is durable (fdatasync). */
  append(plaintext: Buffer): Promise<void> {
    const sealed = seal(this.key, plaintext, this.fileId);
    const buf = Buffer.allocUnsafe(4 + sealed.length);
    buf.writeUInt32BE(sealed.length, 0);
    sealed.copy(buf, 4);
    return new Promise((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const data = Buffer.concat(batch.map((b) => b.buf));
        await this.fh!.write(data);
        await this.fh!.datasync();
        this.bytes += data.length;
        for (const b of batch) b.resolve();
      } catch (e) {
        for (const b of batch) b.reject(e as Error);
      }
    }
    this.flushing = null;
  }

  async close(): Promise<void> {
    if (this.flushing) await this.flushing;
    await this.fh?.close();
    this.fh = null;
  }
}
