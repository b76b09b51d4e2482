/**
 * Issue 20: one flipped bit in a frame's length prefix was invisible to `witness verify`
 * (it read records through the index only), and when the index was rebuilt from the
 * segments (the documented recovery path) replay took the bad length mid-file for a torn
 * tail and the writer cut the segment there, deleting every later, intact record. Now a
 * damaged frame mid-segment is tampering: reported, the file kept, reading goes on past it;
 * only a true tail is ever cut; verify walks the frames as well as the index.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

const segment1 = (dataDir: string) => join(dataDir, 'store', 'segments', '00000001.wseg');

/** Frames as [offset, total length] (after the 22-byte header, up to the zeros). */
function frames(file: string): Array<[number, number]> {
  const b = readFileSync(file);
  const out: Array<[number, number]> = [];
  for (let p = 22; p + 4 <= b.length; ) {
    const len = b.readUInt32BE(p);
    if (len === 0) break;
    out.push([p, 4 + len]);
    p += 4 + len;
  }
  return out;
}

/** Six records, the index snapshotted (so a start replays nothing), the store closed. */
async function sixRecords() {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-frames-'));
  dirs.push(dataDir);
  const s = await AuditStore.open({ dataDir });
  for (let i = 0; i < 6; i++) await s.append(interaction({ messages: [] }));
  await s.close();
  return dataDir;
}

/** Flips one bit of the length prefix of frame `k`. */
function flipLengthBit(dataDir: string, k: number, bit: number) {
  const file = segment1(dataDir);
  const b = readFileSync(file);
  const [off] = frames(file)[k]!;
  const byte = 3 - Math.floor(bit / 8);
  b[off + byte] = b[off + byte]! ^ (1 << bit % 8);
  writeFileSync(file, b);
  return { file, size: b.length };
}

describe('a damaged frame in the middle of a segment', () => {
  for (const [what, bit] of [
    ['a longer length (runs past later frames)', 12],
    ['a shorter length', 2],
    ['an impossible length (over the frame limit)', 30],
  ] as const) {
    it(`${what}: verify reports it with the index intact; a rebuild keeps every record and the file; appends go to a new segment`, async () => {
      const dataDir = await sixRecords();
      const { file, size } = flipLengthBit(dataDir, 2, bit); // seq 3's frame

      // With a good snapshot, nothing is replayed: only walking the frames can see it.
      const reader = await AuditStore.open({ dataDir, readOnly: true });
      const v = reader.verify();
      expect(v.ok).toBe(false);
      expect(v.problems.map((p) => p.message).join('\n')).toMatch(/segment 1: .*length prefix.*modified/);

      // The documented recovery: rebuild the index from the segments.
      unlinkSync(join(dataDir, 'store', 'snapshot.bin'));
      const s = await AuditStore.open({ dataDir });
      expect(s.issues.map((i) => i.message).join('\n')).toMatch(/length prefix/);
      expect([...s.iterate()].map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]); // the frame is authentic: its MAC holds
      const r = await s.append(interaction());
      expect(r.seq).toBe(7);
      await s.close();
      expect(statSync(file).size).toBe(size); // never cut, never written into
      expect(existsSync(join(dataDir, 'store', 'segments', '00000002.wseg'))).toBe(true);

      const again = await AuditStore.open({ dataDir, readOnly: true });
      expect([...again.iterate()].map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(again.verify().ok).toBe(false); // the damage stays reported
    });
  }

  it('a damaged frame body mid-segment: the records after it survive a rebuild and the file is kept', async () => {
    const dataDir = await sixRecords();
    const file = segment1(dataDir);
    const b = readFileSync(file);
    const [off, len] = frames(file)[1]!;
    const at = off + Math.floor(len / 2);
    b[at] = b[at]! ^ 0x10;
    writeFileSync(file, b);
    unlinkSync(join(dataDir, 'store', 'snapshot.bin'));
    const s = await AuditStore.open({ dataDir });
    expect([...s.iterate()].map((r) => r.seq)).toEqual([1, 3, 4, 5, 6]);
    const v = s.verify();
    expect(v.ok).toBe(false);
    await s.append(interaction());
    await s.close();
    expect(statSync(file).size).toBe(b.length);
  });

  it('the last frame with a damaged length prefix is kept (not taken for a torn tail)', async () => {
    const dataDir = await sixRecords();
    const n = frames(segment1(dataDir)).length;
    const { file, size } = flipLengthBit(dataDir, n - 1, 9);
    unlinkSync(join(dataDir, 'store', 'snapshot.bin'));
    const s = await AuditStore.open({ dataDir });
    expect([...s.iterate()].map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await s.close();
    expect(statSync(file).size).toBe(size);
  });
});
