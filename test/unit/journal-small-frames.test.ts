/**
 * Small frames sealed with ciphers made ahead (JournalWriter.prepareSmall / appendSmall, the
 * in-flight marker's path): they read back as any frame does (same key, AAD = the file id,
 * same layout), each cipher is used once (its own nonce), and without one waiting the frame
 * is sealed as append seals it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalWriter, readJournal } from '../../proxy/audit/journal.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
const file = () => {
  const d = mkdtempSync(join(tmpdir(), 'witness-journal-'));
  dirs.push(d);
  return join(d, 'seg-1.wjnl');
};

/** The 12-byte nonce of each frame in the file, in order (after the 22-byte header). */
function nonces(path: string): string[] {
  const data = readFileSync(path);
  const out: string[] = [];
  for (let at = 22; at + 4 <= data.length; ) {
    const len = data.readUInt32BE(at);
    if (len === 0) break; // the zeros written ahead
    out.push(data.subarray(at + 4, at + 16).toString('hex'));
    at += 4 + len;
  }
  return out;
}

describe('small frames with ciphers made ahead', () => {
  it('read back like appended frames, each with its own nonce, with and without a cipher waiting', async () => {
    const key = randomBytes(32);
    const path = file();
    const w = await JournalWriter.open(path, key, 0);
    w.prepareSmall(2);
    const plain = ['Sfirst marker', 'Ssecond', 'Sthird: no cipher was waiting', 'Ra record frame', 'S'].map((s) => Buffer.from(s));
    const durables = [w.appendSmall(plain[0]!), w.appendSmall(plain[1]!), w.appendSmall(plain[2]!), w.append(plain[3]!)].map((a) => a.durable);
    w.prepareSmall(1);
    durables.push(w.appendSmall(plain[4]!).durable);
    await Promise.all(durables);
    await w.close();

    const read = readJournal(path, key);
    expect(read.issues).toEqual([]);
    expect(read.entries.map((e) => e.frame?.toString())).toEqual(plain.map((p) => p.toString()));
    const n = nonces(path);
    expect(n).toHaveLength(5);
    expect(new Set(n).size).toBe(5);
  });

  it('keeps at most `count` ciphers waiting, and a frame sealed with one does not open with another file id', async () => {
    const key = randomBytes(32);
    const a = file();
    const w = await JournalWriter.open(a, key, 0);
    w.prepareSmall(3);
    w.prepareSmall(3); // already 3 waiting: none made
    const waiting = (w as unknown as { spares: unknown[] }).spares;
    expect(waiting).toHaveLength(3);
    const { offset, length, durable } = w.appendSmall(Buffer.from('Sx'));
    await durable;
    expect(waiting).toHaveLength(2);
    expect(w.inFlight(offset)).toBeNull(); // written: read from the file now
    const data = readFileSync(a);
    const sealed = data.subarray(offset + 4, offset + 4 + length);
    await w.close();
    // The same bytes under another file's header fail authentication (AAD = the file id).
    const b = file();
    const other = await JournalWriter.open(b, key, 0);
    await other.close();
    const header = readFileSync(b).subarray(0, 22);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(length);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(b, Buffer.concat([header, len, sealed]));
    expect(readJournal(b, key).entries.filter((e) => e.frame)).toEqual([]);
    expect(readJournal(a, key).entries.map((e) => e.frame?.toString())).toEqual(['Sx']);
  });
});
