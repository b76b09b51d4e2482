/**
 * The store's body: numbered, append-only, encrypted journal files (store/segments/
 * 00000001.wseg, …; the journal format of journal.ts). Every record, message body and list
 * node is a frame in one of them; the index says where. Frames are read back one at a time
 * by position, so nothing but the index has to be in memory.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { open } from '../aead.js';
import type { Loc } from './db.js';

const MAGIC_LENGTH = 6; // "WJNL1\n"
const HEADER = MAGIC_LENGTH + 16;
const NAME = /^(\d{8})\.wseg$/;
/** Open read handles kept at most (least recently used closed first). */
const MAX_OPEN = 16;

export class Segments {
  readonly dir: string;
  private readonly open = new Map<number, { fd: number; fileId: Buffer }>();

  constructor(
    storeDir: string,
    private readonly key: Buffer,
    create: boolean,
  ) {
    this.dir = join(storeDir, 'segments');
    if (create) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  path(n: number): string {
    return join(this.dir, `${String(n).padStart(8, '0')}.wseg`);
  }

  /** Segment numbers on disk, ascending. */
  list(): number[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((f) => NAME.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The plaintext of the frame at `loc`; throws when it is missing, cut short or fails authentication. */
  read(loc: Loc): Buffer {
    const h = this.handle(loc.seg);
    const sealed = Buffer.allocUnsafe(loc.len);
    const n = readSync(h.fd, sealed, 0, loc.len, loc.off + 4);
    if (n !== loc.len) throw new Error(`segment ${loc.seg} ends before the frame at byte ${loc.off}`);
    return open(this.key, sealed, h.fileId);
  }

  private handle(n: number): { fd: number; fileId: Buffer } {
    let h = this.open.get(n);
    if (h) {
      // Most recently used last.
      this.open.delete(n);
      this.open.set(n, h);
      return h;
    }
    const fd = openSync(this.path(n), 'r');
    const head = Buffer.alloc(HEADER);
    readSync(fd, head, 0, HEADER, 0);
    h = { fd, fileId: head.subarray(MAGIC_LENGTH) };
    this.open.set(n, h);
    if (this.open.size > MAX_OPEN) this.closeOne(this.open.keys().next().value!);
    return h;
  }

  private closeOne(n: number) {
    const h = this.open.get(n);
    if (!h) return;
    closeSync(h.fd);
    this.open.delete(n);
  }

  remove(n: number): void {
    this.closeOne(n);
    unlinkSync(this.path(n));
  }

  close(): void {
    for (const n of [...this.open.keys()]) this.closeOne(n);
  }
}
