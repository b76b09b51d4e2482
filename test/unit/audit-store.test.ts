import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore, exportRecords, passphraseKeyProvider, search, toOcsf } from '../../proxy/audit/index.js';
import { JSONL_FIELDS } from '../../proxy/audit/export.js';
import { AuditRecordSchema } from '../../proxy/model/index.js';
import { seal } from '../../proxy/aead.js';
import { defaultKeyProvider } from '../../proxy/audit/index.js';
import { loadDataKey } from '../../proxy/audit/keyring.js';
import { deflateRawSync } from 'node:zlib';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'witness-audit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function allFileBytes(dir: string): Buffer {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(out);
}

/** The first segment of a store (where everything goes until it is 64 MB). */
const segment1 = (dataDir: string) => join(dataDir, 'store', 'segments', '00000001.wseg');

/** Journal frames as [offset, length] pairs (after the 22-byte header, up to the zeros written ahead). */
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

describe('audit store', () => {
  it('stores, reads back, searches and verifies records; the chain links them', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    const r1 = await s.append(interaction({ prompt: 'why is the retry loop flaky' }));
    const r2 = await s.append(interaction({ prompt: 'rename the payments module', decision: 'masked', maskings: [{ type: 'github-pat', where: 'request', count: 1 }] }));
    expect(r1.seq).toBe(1);
    expect(r2.prevHash).toBe(r1.hash);
    expect(r1.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUIDv7
    expect(AuditRecordSchema.parse(s.get(r2.id))).toMatchObject({ seq: 2, prompt: 'rename the payments module', messages: [{ role: 'system' }, { role: 'user' }] });
    expect(search(s, { q: 'retry' }).items.map((h) => h.seq)).toEqual([1]);
    expect(search(s, { masked: true }).items.map((h) => h.seq)).toEqual([2]);
    expect(s.verify()).toMatchObject({ ok: true, records: 2, firstBadSeq: null });
    await s.close();
    const again = await AuditStore.open({ dataDir });
    expect(again.verify()).toMatchObject({ ok: true, records: 2, checkpoint: { seq: 2, valid: true } });
    await again.close();
  });

  it('compacts by itself every compactEvery records, under concurrent appends', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir, compactEvery: 10 });
    await Promise.all(Array.from({ length: 35 }, () => s.append(interaction())));
    expect(s.verify()).toMatchObject({ ok: true, records: 35 });
    expect(statSync(join(dataDir, 'store', 'snapshot.bin')).size).toBeGreaterThan(0);
    await s.close();
    const again = await AuditStore.open({ dataDir });
    expect(again.verify()).toMatchObject({ ok: true, records: 35, checkpoint: { seq: 35, valid: true } });
    await again.close();
  });

  it('writes nothing readable to disk: a planted prompt word is not in any file', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    for (let i = 0; i < 20; i++) await s.append(interaction({ prompt: `zebraquartz planted word ${i}`, response: 'zebraquartz reply' }));
    expect(allFileBytes(dataDir).includes('zebraquartz')).toBe(false); // journal only
    await s.compact();
    await s.append(interaction({ prompt: 'zebraquartz after compaction' }));
    await s.close();
    expect(allFileBytes(dataDir).includes('zebraquartz')).toBe(false); // snapshot + journal
    expect(statSync(join(dataDir, 'store')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'store', 'snapshot.bin')).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong passphrase clearly and overwrites nothing', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir, keyProvider: passphraseKeyProvider('correct horse') });
    await s.append(interaction());
    await s.close();
    const before = allFileBytes(dataDir);
    await expect(AuditStore.open({ dataDir, keyProvider: passphraseKeyProvider('wrong horse') })).rejects.toMatchObject({ code: 'STORE_KEY_WRONG', message: expect.stringMatching(/Wrong passphrase/) });
    await expect(AuditStore.open({ dataDir })).rejects.toMatchObject({ code: 'STORE_LOCKED', message: expect.stringMatching(/WITNESS_STORE_PASSPHRASE/) });
    expect(allFileBytes(dataDir).equals(before)).toBe(true);
    const ok = await AuditStore.open({ dataDir, keyProvider: passphraseKeyProvider('correct horse') });
    expect(ok.verify().records).toBe(1);
    await ok.close();
  });

  it('refuses a damaged key file of the key vault with VAULT_CORRUPT', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    await s.close();
    writeFileSync(join(dataDir, 'keys', 'vault.key'), Buffer.alloc(16));
    await expect(AuditStore.open({ dataDir })).rejects.toMatchObject({ code: 'VAULT_CORRUPT', message: expect.stringMatching(/not a 32-byte key file/) });
  });

  it('a store opened read-only refuses to append with STORE_READ_ONLY', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    await s.append(interaction());
    await s.close();
    const reader = await AuditStore.open({ dataDir, readOnly: true });
    await expect(reader.append(interaction())).rejects.toMatchObject({ code: 'STORE_READ_ONLY', message: expect.stringMatching(/open read-only/) });
    expect(reader.verify().records).toBe(1);
  });

  it('an index write that fails is reported, no snapshot is written over the good one, and a restart rebuilds the index', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    await s.append(interaction());
    await s.compact();
    const snapshot = join(dataDir, 'store', 'snapshot.bin');
    const good = readFileSync(snapshot);
    s.db.exec('DROP TABLE records'); // the next batched index write fails
    await s.append(interaction());
    await s.append(interaction());
    await expect.poll(() => s.issues.map((i) => i.message).join()).toMatch(/index could not be updated/);
    await s.close();
    expect(readFileSync(snapshot).equals(good)).toBe(true);
    const again = await AuditStore.open({ dataDir });
    expect(again.verify()).toMatchObject({ ok: true, records: 3 });
    await again.close();
  });

  it('drops a torn last frame (crash mid-write) with a warning, not a failed start', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir, compactEvery: 1000 });
    for (let i = 0; i < 3; i++) await s.append(interaction());
    // Simulate a crash: no close(); half a frame written after the last one (where the
    // next write goes, into the zeros written ahead).
    const journal = segment1(dataDir);
    const b = readFileSync(journal);
    const [off, len] = frames(journal).pop()!;
    expect(b.length).toBeGreaterThan(off + len + len); // the zeros are there
    b.set(b.subarray(off, off + Math.floor(len / 2)), off + len);
    writeFileSync(journal, b);
    const warnings: string[] = [];
    const again = await AuditStore.open({ dataDir, log: { warn: (m: string) => warnings.push(m), info() {}, error() {}, debug() {}, child() { return this; } } as never });
    expect(warnings.join()).toMatch(/torn frame/);
    expect(again.issues).toEqual([]);
    expect(again.verify()).toMatchObject({ ok: true, records: 3 });
    const r = await again.append(interaction());
    expect(r.seq).toBe(4);
    await again.close();
  });

  describe('zeros written ahead of the frames', () => {
    it('are there while open, are read past (even by a reader while the writer is live), and are cut off at close', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, compactEvery: 1000 });
      for (let i = 0; i < 5; i++) await s.append(interaction({ messages: [] }));
      const file = segment1(dataDir);
      const [off, len] = frames(file).pop()!;
      expect(statSync(file).size).toBeGreaterThan(off + len);
      const reader = await AuditStore.open({ dataDir, readOnly: true });
      expect(reader.issues).toEqual([]);
      expect(reader.verify()).toMatchObject({ ok: true, records: 5 });
      await s.close();
      expect(statSync(file).size).toBe(off + len);
    });

    it('a last frame that itself ends in zero bytes is kept whole after a crash', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, compactEvery: 100_000 });
      const file = segment1(dataDir);
      // The GCM tag is random: about one frame in 256 ends in a zero byte.
      let n = 0;
      for (;;) {
        await s.append(interaction({ messages: [] }));
        n++;
        const [off, len] = frames(file).pop()!;
        if (readFileSync(file)[off + len - 1] === 0) break;
        expect(n).toBeLessThan(5000);
      }
      // No close (a crash): the file still ends in the zeros written ahead.
      const again = await AuditStore.open({ dataDir });
      expect(again.issues).toEqual([]);
      expect(again.verify()).toMatchObject({ ok: true, records: n });
      expect((await again.append(interaction())).seq).toBe(n + 1);
      await again.close();
    });
  });

  describe('group frames (one frame per append)', () => {
    it("an append's new bodies, list node and record go out as one frame; a body repeated within it is stored once", async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, compactEvery: 1000 });
      const messages = [
        { role: 'system', text: 'You are an AI programming assistant.' },
        { role: 'user', text: 'same words twice' },
        { role: 'user', text: 'same words twice' },
      ];
      const r1 = await s.append(interaction({ messages }));
      expect(frames(segment1(dataDir))).toHaveLength(1);
      expect(s.db.exec('SELECT count(*) FROM blobs')[0]!.values[0]![0]).toBe(2);
      // Nothing new but the record: a record frame of its own.
      await s.append(interaction({ messages }));
      expect(frames(segment1(dataDir))).toHaveLength(2);
      expect(s.get(r1.id)!.messages).toEqual(messages);
      // A crash (no close, no snapshot): the index is rebuilt from the frames, entries included.
      const again = await AuditStore.open({ dataDir, readOnly: true });
      expect(again.verify()).toMatchObject({ ok: true, records: 2 });
      expect(again.get(r1.id)!.messages).toEqual(messages);
      expect(search(again, { q: `"${r1.prompt}"` }).total).toBe(1);
    });

    it('a flipped byte in a group frame names that seq; the records around it stay readable', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, compactEvery: 1000 });
      for (let i = 0; i < 4; i++) await s.append(interaction({ messages: [{ role: 'user', text: `body of turn ${i}` }] }));
      const file = segment1(dataDir);
      const b = readFileSync(file);
      const [off, len] = frames(file)[2]!; // seq 3's group
      b[off + Math.floor(len / 2)] = b[off + Math.floor(len / 2)]! ^ 0x01;
      writeFileSync(file, b);
      const again = await AuditStore.open({ dataDir, readOnly: true });
      expect(again.issues[0]!.message).toMatch(/failed authentication/);
      expect(again.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
      const seqs = [...again.iterate()].map((r) => r.seq);
      expect(seqs).toEqual([1, 2, 4]);
      expect(again.resolve([...again.iterate()][2]!).messages.map((m) => m.text)).toEqual(['body of turn 3']);
    });
  });

  describe('tampering', () => {
    async function storeWith(n: number) {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, compactEvery: 1000 });
      for (let i = 0; i < n; i++) await s.append(interaction({ messages: [] }));
      // No close: keep everything in the journal, as after a crash.
      return { dataDir, journal: segment1(dataDir) };
    }

    it('a flipped byte in a journal frame is reported, verify names the seq, the rest stays readable', async () => {
      const { dataDir, journal } = await storeWith(5);
      const b = readFileSync(journal);
      const [off] = frames(journal)[2]!; // seq 3
      b[off + 30] = b[off + 30]! ^ 0xff;
      writeFileSync(journal, b);
      const s = await AuditStore.open({ dataDir, readOnly: true });
      expect(s.issues[0]!.message).toMatch(/failed authentication/);
      const v = s.verify();
      expect(v.ok).toBe(false);
      expect(v.firstBadSeq).toBe(3);
      expect([...s.iterate()].map((r) => r.seq)).toEqual([1, 2, 4, 5]);
    });

    it('a deleted record is named by verify', async () => {
      const { dataDir, journal } = await storeWith(5);
      const b = readFileSync(journal);
      const [off, len] = frames(journal)[1]!; // seq 2
      writeFileSync(journal, Buffer.concat([b.subarray(0, off), b.subarray(off + len)]));
      const s = await AuditStore.open({ dataDir, readOnly: true });
      const v = s.verify();
      expect(v.ok).toBe(false);
      expect(v.firstBadSeq).toBe(2);
      expect(v.problems.map((p) => p.message).join()).toMatch(/seq 2 is missing/);
    });

    it('two reordered records are named', async () => {
      const { dataDir, journal } = await storeWith(5);
      const b = readFileSync(journal);
      const fr = frames(journal);
      const [o2, l2] = fr[1]!;
      const [o3, l3] = fr[2]!;
      writeFileSync(journal, Buffer.concat([b.subarray(0, o2), b.subarray(o3, o3 + l3), b.subarray(o2, o2 + l2), b.subarray(o3 + l3)]));
      const s = await AuditStore.open({ dataDir, readOnly: true });
      const v = s.verify();
      expect(v.ok).toBe(false);
      expect(v.firstBadSeq).toBe(2);
    });

    it('a segment cut shorter than the index knows is reported, kept, and verify names the first lost seq', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir });
      for (let i = 0; i < 6; i++) await s.append(interaction({ messages: [] }));
      await s.close();
      const file = segment1(dataDir);
      const [off] = frames(file)[3]!; // seq 4 onwards is cut off
      writeFileSync(file, readFileSync(file).subarray(0, off + 10));
      const again = await AuditStore.open({ dataDir });
      expect(again.issues.map((i) => i.message).join()).toMatch(/truncated/);
      expect(again.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
      expect((await again.append(interaction())).seq).toBe(7);
      expect(readdirSync(join(dataDir, 'store', 'segments'))).toEqual(['00000001.wseg', '00000002.wseg']);
      expect(readFileSync(file).length).toBe(off + 10); // the evidence is not written over
      await again.close();
    });

    it('snapshot chunks that are swapped or dropped fail authentication; the index is rebuilt from the segments', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, snapshotChunkBytes: 4096 });
      for (let i = 0; i < 30; i++) await s.append(interaction({ prompt: `chunked ${i}` }));
      await s.close();
      const snap = join(dataDir, 'store', 'snapshot.bin');
      const b = readFileSync(snap);
      expect(b.subarray(0, 6).toString()).toBe('WSNP2\n');
      const chunks: Buffer[] = [];
      for (let p = 16; p < b.length; ) {
        const len = b.readUInt32BE(p);
        chunks.push(b.subarray(p, p + 4 + len));
        p += 4 + len;
      }
      expect(chunks.length).toBeGreaterThan(3);
      for (const damaged of [
        Buffer.concat([b.subarray(0, 16), chunks[1]!, chunks[0]!, ...chunks.slice(2)]), // swapped
        Buffer.concat([b.subarray(0, 16), ...chunks.slice(0, -1)]), // last chunk dropped
      ]) {
        writeFileSync(snap, damaged);
        const again = await AuditStore.open({ dataDir, readOnly: true });
        expect(again.issues[0]!.message).toMatch(/snapshot failed authentication/);
        expect(again.verify()).toMatchObject({ records: 30, head: { seq: 30 } });
      }
      writeFileSync(snap, b);
      const intact = await AuditStore.open({ dataDir, readOnly: true });
      expect(intact.issues).toEqual([]);
      expect(intact.verify()).toMatchObject({ ok: true, records: 30 });
    });

    it('a record changed by someone holding the key breaks the chain at that seq', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir });
      for (let i = 0; i < 4; i++) await s.append(interaction());
      // Someone with the data key writes an edited copy of seq 3 as a valid frame and points the index at it.
      const key = await loadDataKey(join(dataDir, 'store'), defaultKeyProvider(join(dataDir, 'store')));
      const [loc] = s.db.exec('SELECT seg, off, len, sub FROM records WHERE seq = 3')[0]!.values as number[][];
      const edited = s.recordAt({ seg: loc![0]!, off: loc![1]!, len: loc![2]!, sub: loc![3]! });
      edited.prompt = 'innocent question';
      const file = segment1(dataDir);
      const b = readFileSync(file);
      const sealed = seal(key, Buffer.concat([Buffer.from('R'), deflateRawSync(JSON.stringify(edited))]), b.subarray(6, 22));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(sealed.length);
      writeFileSync(file, Buffer.concat([b, len, sealed]));
      s.db.run('UPDATE records SET off = ?, len = ?, sub = NULL WHERE seq = 3', [b.length, sealed.length]);
      expect(s.recordAt({ seg: 1, off: b.length, len: sealed.length }).prompt).toBe('innocent question');
      expect(s.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
    });

    it('a flipped byte in the snapshot is reported and the evidence kept; the index is rebuilt from the segments, nothing lost', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir });
      for (let i = 0; i < 3; i++) await s.append(interaction());
      await s.compact();
      await s.append(interaction());
      const snap = join(dataDir, 'store', 'snapshot.bin');
      const b = readFileSync(snap);
      b[b.length - 40] = b[b.length - 40]! ^ 0x01;
      writeFileSync(snap, b);
      const again = await AuditStore.open({ dataDir, readOnly: true });
      expect(again.issues[0]!.message).toMatch(/snapshot failed authentication.*rebuilt from the segments/);
      expect(readdirSync(join(dataDir, 'store')).some((f) => /^snapshot\.damaged-\d+\.bin$/.test(f))).toBe(false); // read-only: left in place
      expect([...again.iterate()].map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      const v = again.verify();
      expect(v).toMatchObject({ ok: false, records: 4, head: { seq: 4 } });
      expect(v.problems.map((p) => p.where)).toEqual(['snapshot']);
      const writable = await AuditStore.open({ dataDir });
      expect(readdirSync(join(dataDir, 'store')).some((f) => /^snapshot\.damaged-\d+\.bin$/.test(f))).toBe(true); // the evidence, kept aside
      expect((await writable.append(interaction())).seq).toBe(5);
      await writable.close();
    });
  });

  it('stores a 30-turn agent conversation in ≤ 1.3× its unique content (bodies are deduplicated)', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir, compactEvery: 1000 });
    const followup = JSON.parse(readFileSync(new URL('../fixtures/copilot/03-agent.followup-request.json', import.meta.url), 'utf8')) as { messages: Array<{ role: string; content: unknown }> };
    const base = followup.messages.map((m) => ({ role: m.role, text: typeof m.content === 'string' ? m.content : JSON.stringify(m.content) }));
    const history = [...base];
    const unique = new Set<string>(base.map((m) => m.text));
    for (let turn = 0; turn < 30; turn++) {
      const tool = { role: 'tool', text: `Turn ${turn}: ran the tests.\n` + `PASS src/retry.test.ts (${turn}) — 42 tests, ${turn * 3} ms per suite\n`.repeat(20) };
      const assistant = { role: 'assistant', text: `Turn ${turn}: next I will update handler ${turn} and re-run the suite with coverage for module ${turn}.`.repeat(4) };
      history.push(tool, assistant);
      unique.add(tool.text);
      unique.add(assistant.text);
      await s.append(interaction({ messages: [...history], prompt: `turn ${turn}`, response: assistant.text }));
    }
    const uniqueBytes = [...unique].reduce((a, t) => a + Buffer.byteLength(t), 0);
    expect(s.get([...s.iterate()][29]!.id)!.messages).toHaveLength(base.length + 60);
    await s.close(); // cuts off the zeros written ahead
    const stored = statSync(segment1(dataDir)).size;
    expect(stored / uniqueBytes, `stored ${stored} B for ${uniqueBytes} B of unique content`).toBeLessThanOrEqual(1.3);
  });

  describe('retention', () => {
    const day = 86_400_000;
    async function aged(canPrune?: (seq: number) => boolean) {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, ...(canPrune ? { canPrune } : {}) });
      const now = Date.parse('2026-11-21T00:00:00Z');
      for (let k = 10; k >= 1; k--) {
        const t = now - k * day;
        await s.append(interaction({ time: new Date(t).toISOString(), timings: { start: t, firstByte: t, firstToken: t, end: t + 1 }, messages: [{ role: 'user', text: `shared context` }, { role: 'user', text: `day ${k}` }] }));
      }
      return { s, now, dataDir };
    }

    it('prunes records past the age limit and the chain still verifies from the pruned point', async () => {
      const { s, now, dataDir } = await aged();
      const r = await s.prune({ maxAgeMs: 5.5 * day, now });
      expect(r).toEqual({ removed: 5, upTo: 5 });
      expect([...s.iterate()].map((x) => x.seq)).toEqual([6, 7, 8, 9, 10]);
      expect(s.verify()).toMatchObject({ ok: true, records: 5 });
      expect(s.resolve([...s.iterate()][0]!).messages.map((m) => m.text)).toEqual(['shared context', 'day 5']);
      await s.close();
      const again = await AuditStore.open({ dataDir });
      expect(again.verify()).toMatchObject({ ok: true, records: 5 });
      await again.close();
    });

    it('never prunes records the central server has not acknowledged', async () => {
      const { s, now } = await aged((seq) => seq <= 2);
      const r = await s.prune({ maxAgeMs: 5.5 * day, now });
      expect(r.upTo).toBe(2);
      expect([...s.iterate()][0]!.seq).toBe(3);
      expect(s.verify().ok).toBe(true);
    });

    it('prunes the oldest records beyond the size limit', async () => {
      const { s, now } = await aged();
      const r = await s.prune({ maxBytes: 4000, now });
      expect(r.removed).toBeGreaterThan(0);
      expect(s.verify().ok).toBe(true);
    });
  });

  describe('segments', () => {
    const segs = (dataDir: string) => readdirSync(join(dataDir, 'store', 'segments')).sort();

    it('rolls segments by size, reads across them, and rebuilds a lost index from them', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, segmentBytes: 4096, compactEvery: 7 });
      for (let i = 0; i < 40; i++) await s.append(interaction({ prompt: `segment question ${i}` }));
      expect(segs(dataDir).length).toBeGreaterThan(3);
      expect(search(s, { q: 'segment' }).total).toBe(40);
      expect(s.verify()).toMatchObject({ ok: true, records: 40 });
      await s.close();
      rmSync(join(dataDir, 'store', 'snapshot.bin'));
      const again = await AuditStore.open({ dataDir, segmentBytes: 4096 });
      expect(again.verify()).toMatchObject({ ok: true, records: 40 });
      expect(search(again, { q: '"segment question 17"' }).items.map((h) => h.prompt)).toEqual(['segment question 17']);
      expect((await again.append(interaction())).seq).toBe(41);
      await again.close();
    });

    it('pruning deletes the old segments (copying what is still live forward); the chain verifies after a restart', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir, segmentBytes: 4096 });
      const start = Date.parse('2026-11-01T00:00:00Z');
      for (let i = 0; i < 40; i++) {
        const t = start + i * 3_600_000;
        await s.append(interaction({ time: new Date(t).toISOString(), prompt: `hour ${i}`, messages: [{ role: 'system', text: 'shared system prompt' }, { role: 'user', text: `hour ${i}` }] }));
      }
      const before = segs(dataDir);
      const r = await s.prune({ maxAgeMs: 10.5 * 3_600_000, now: start + 40 * 3_600_000 });
      expect(r.upTo).toBe(30); // hours 0–29 are older than 10.5 h
      const after = segs(dataDir);
      expect(after.filter((f) => before.includes(f) && f !== before[before.length - 1])).toEqual([]);
      expect(s.verify()).toMatchObject({ ok: true, records: 10 });
      expect(s.resolve([...s.iterate()][0]!).messages.map((m) => m.text)).toEqual(['shared system prompt', 'hour 30']);
      await s.close();
      const again = await AuditStore.open({ dataDir });
      expect(again.verify()).toMatchObject({ ok: true, records: 10 });
      await again.close();
      // Even with the index gone, the segments alone carry the pruned boundary and every live body.
      rmSync(join(dataDir, 'store', 'snapshot.bin'));
      const rebuilt = await AuditStore.open({ dataDir });
      const rv = rebuilt.verify();
      expect(rv).toMatchObject({ ok: true, records: 10 });
      expect(rebuilt.resolve([...rebuilt.iterate()][0]!).messages.map((m) => m.text)).toEqual(['shared system prompt', 'hour 30']);
      await rebuilt.close();
    });

    it('converts a store from the first pre-release layout (journal.bin), keeping the old file aside', async () => {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir });
      await s.append(interaction({ prompt: 'from the old layout' }));
      await s.append(interaction({ prompt: 'second old record' }));
      await s.close();
      // The old layout had everything since the last snapshot in store/journal.bin (same frame format).
      rmSync(join(dataDir, 'store', 'snapshot.bin'));
      const { renameSync } = await import('node:fs');
      renameSync(segment1(dataDir), join(dataDir, 'store', 'journal.bin'));
      rmSync(join(dataDir, 'store', 'segments'), { recursive: true });
      await expect(AuditStore.open({ dataDir, readOnly: true })).rejects.toMatchObject({ code: 'STORE_LOCKED', message: expect.stringMatching(/earlier pre-release/) });
      const converted = await AuditStore.open({ dataDir });
      expect(converted.verify()).toMatchObject({ ok: true, records: 2 });
      expect(search(converted, { q: 'layout' }).items.map((h) => h.prompt)).toEqual(['from the old layout']);
      expect(readdirSync(join(dataDir, 'store')).some((f) => /^journal\.v1-\d+\.bin$/.test(f))).toBe(true);
      await converted.close();
    });
  });

  it('an index snapshot from another version is rebuilt from the segments quietly (not reported as tampering)', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    for (let i = 0; i < 3; i++) await s.append(interaction());
    s.db.run("UPDATE meta SET v = '2' WHERE k = 'format'");
    await s.compact();
    await s.close();
    const again = await AuditStore.open({ dataDir });
    expect(again.issues).toEqual([]);
    expect(again.verify()).toMatchObject({ ok: true, records: 3 });
    expect((await again.append(interaction())).seq).toBe(4);
    await again.close();
  });

  it('an index snapshot of format 3 (no entry offsets) is brought up to date in place, without a rebuild', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    for (let i = 0; i < 3; i++) await s.append(interaction({ messages: [] }));
    s.db.exec("ALTER TABLE records DROP COLUMN sub; ALTER TABLE blobs DROP COLUMN sub; ALTER TABLE lists DROP COLUMN sub; UPDATE meta SET v = '3' WHERE k = 'format'");
    await s.close();
    const info: string[] = [];
    const log = { warn() {}, info: (m: string) => info.push(m), error() {}, debug() {}, child() { return this; } } as never;
    const reader = await AuditStore.open({ dataDir, readOnly: true, log });
    expect(info.join()).not.toMatch(/rebuilding/);
    expect(reader.verify()).toMatchObject({ ok: true, records: 3 });
    const again = await AuditStore.open({ dataDir, log });
    const r = await again.append(interaction({ messages: [{ role: 'user', text: 'in a group frame' }] }));
    expect(again.get(r.id)!.messages.map((m) => m.text)).toEqual(['in a group frame']);
    expect(again.verify()).toMatchObject({ ok: true, records: 4 });
    await again.close();
    expect(info.join()).not.toMatch(/rebuilding/);
  });

  describe('exports', () => {
    async function populated() {
      const dataDir = fresh();
      const s = await AuditStore.open({ dataDir });
      await s.append(interaction({ prompt: 'first' }));
      await s.append(interaction({ prompt: 'second', toolCalls: [{ index: 0, id: 'call_1', name: 'run_in_terminal', arguments: '{"command":"npm test"}' }], status: 'upstream-error', httpStatus: 502 }));
      return s;
    }
    const collect = (s: AuditStore, format: 'jsonl' | 'har' | 'ocsf') => {
      let out = '';
      exportRecords((function* () { for (const r of s.iterate()) yield s.resolve(r); })(), format, (c) => (out += c));
      return out;
    };

    it('JSONL round-trips: every line is a full record equal to what the store holds', async () => {
      const s = await populated();
      const lines = collect(s, 'jsonl').trim().split('\n').map((l) => AuditRecordSchema.parse(JSON.parse(l)));
      expect(lines).toHaveLength(2);
      expect(lines[1]).toEqual(AuditRecordSchema.parse(s.get(lines[1]!.id)));
      expect(lines[1]!.toolCalls[0]!.name).toBe('run_in_terminal');
      // Fields come in the documented order (records are stored with sorted keys).
      const keys = Object.keys(JSON.parse(collect(s, 'jsonl').split('\n')[0]!) as object);
      expect(keys.slice(0, 4)).toEqual(['v', 'id', 'seq', 'time']);
      expect(keys.slice(-2)).toEqual(['prevHash', 'hash']);
      expect(keys).toEqual(JSONL_FIELDS.filter((k) => keys.includes(k)));
    });

    it('HAR validates against the HAR 1.2 schema', async () => {
      const s = await populated();
      const har = JSON.parse(collect(s, 'har'));
      const require = createRequire(import.meta.url);
      const Ajv = require('ajv');
      const schemas = require('har-schema');
      const ajv = new Ajv({ allErrors: true, schemaId: 'auto' });
      ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
      for (const [name, schema] of Object.entries(schemas)) if (name !== 'har') ajv.addSchema(schema, name + '.json');
      const valid = ajv.validate(schemas.har, har);
      expect(ajv.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
      expect(har.log.entries).toHaveLength(2);
      expect(JSON.stringify(har)).not.toMatch(/authorization/i);
    });

    it('OCSF events carry the API Activity class fields', async () => {
      const s = await populated();
      const ev = collect(s, 'ocsf').trim().split('\n').map((l) => JSON.parse(l));
      expect(ev[0]).toMatchObject({ class_uid: 6003, category_uid: 6, activity_id: 1, type_uid: 600301, status_id: 1, metadata: { version: '1.1.0', product: { name: 'Witness' } }, api: { service: { name: 'GitHub Copilot' } }, actor: { user: { name: expect.any(String) } } });
      expect(ev[1]).toMatchObject({ status_id: 2, http_response: { code: 502 } });
      expect(typeof toOcsf).toBe('function');
    });
  });
});
