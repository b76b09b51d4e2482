/**
 * Retention: which records may go (age, size, never past what canPrune allows), the boundary
 * journaled and set, the full-text index rebuilt from what remains, bodies and lists no
 * record reaches swept, and what is still live in old segments copied forward so they can be
 * deleted. The signed checkpoint before, and the snapshot after, are the store's (it holds
 * the turn); this part never compacts or deletes a segment the snapshot still points into.
 */
import type { Database } from 'sql.js';
import { GENESIS } from '../model/node.js';
import type { AuditRecord } from '../model/index.js';
import type { ContentStore } from './bodies.js';
import { getMeta, hashKeys, locAt, LOC_COLUMNS, setMeta, type Statements } from './db.js';
import { compress, Frame, frame } from './frames.js';
import { searchText } from './record.js';
import type { JournalTail } from './tail.js';

export interface PruneLimits {
  maxAgeMs?: number | null;
  maxBytes?: number | null;
  now?: number;
}

export class Retention {
  constructor(
    private readonly db: Database,
    private readonly st: Statements,
    private readonly tail: JournalTail,
    private readonly bodies: ContentStore,
    /** Every readable record in seq order (the index synced). */
    private readonly records: () => Iterable<AuditRecord>,
    private readonly hashAt: (seq: number) => string | undefined,
    private readonly canPrune: ((seq: number) => boolean) | undefined,
  ) {}

  /** Where pruning left the chain: records up to `seq` were removed, `hash` was the last one's. */
  get pruned(): { seq: number; hash: string } {
    const p = getMeta(this.db, 'pruned');
    return p ? (JSON.parse(p) as { seq: number; hash: string }) : { seq: 0, hash: GENESIS };
  }

  /** The new boundary the limits call for (null: nothing to remove, or it cannot be read). */
  boundary(limits: PruneLimits, headSeq: number): { seq: number; hash: string } | null {
    const now = limits.now ?? Date.now();
    let upTo = 0;
    if (limits.maxAgeMs) {
      const row = this.db.exec('SELECT max(seq) FROM records WHERE ts < ?', [now - limits.maxAgeMs])[0]?.values[0]?.[0];
      upTo = Math.max(upTo, Number(row ?? 0));
    }
    if (limits.maxBytes) {
      const sizes = this.db.exec('SELECT seq, len FROM records ORDER BY seq')[0]?.values ?? [];
      const blobBytes = Number(this.db.exec('SELECT coalesce(sum(len),0) FROM blobs')[0]?.values[0]?.[0] ?? 0);
      let total = blobBytes + sizes.reduce((a, r) => a + Number(r[1]), 0);
      for (const [seq, len] of sizes) {
        if (total <= limits.maxBytes) break;
        total -= Number(len);
        upTo = Math.max(upTo, Number(seq));
      }
    }
    upTo = Math.min(upTo, headSeq);
    while (upTo > 0 && this.canPrune && !this.canPrune(upTo)) upTo--;
    if (upTo <= this.pruned.seq) return null;
    const last = this.hashAt(upTo);
    return last ? { seq: upTo, hash: last } : null;
  }

  /**
   * Removes records up to the boundary; resolves once the boundary and everything copied
   * forward is durable, with the old segments the caller deletes after its next snapshot.
   */
  async cut(boundary: { seq: number; hash: string }): Promise<{ removed: number; old: number[] }> {
    const removed = Number(this.db.exec('SELECT count(*) FROM records WHERE seq <= ?', [boundary.seq])[0]?.values[0]?.[0] ?? 0);
    const durables: Promise<void>[] = [];
    // The boundary is journaled too, so an index rebuilt from the segments knows it.
    this.tail.write(frame(Frame.Pruned, Buffer.from(JSON.stringify(boundary))), durables);
    this.db.run('DELETE FROM records WHERE seq <= ?', [boundary.seq]);
    setMeta(this.db, 'pruned', JSON.stringify(boundary));
    // Contentless FTS rows cannot be deleted one by one; rebuild the index from what remains.
    this.rebuildFts();
    this.sweep();
    const old = this.tail.segments.list().filter((n) => n < this.tail.current);
    for (const n of old) this.copyForward(n, durables);
    await Promise.all(durables);
    return { removed, old };
  }

  /**
   * Re-writes what is still live in segment `n` into the current one, and re-points the
   * index. An entry of a group frame is written as a frame of its own.
   */
  private copyForward(n: number, durables: Promise<void>[]) {
    const { tail } = this;
    const records = this.db.exec(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE seg = ?`, [n])[0]?.values ?? [];
    for (const v of records) {
      const from = locAt(v, 1);
      const body = from.sub === null ? tail.segments.read(from).subarray(1) : compress(tail.entryAt(from).body);
      const loc = tail.write(frame(Frame.Copied, body), durables);
      this.st.run('UPDATE records SET seg = ?, off = ?, len = ?, sub = NULL WHERE seq = ?', [loc.seg, loc.off, loc.len, v[0] as number]);
    }
    for (const table of ['blobs', 'lists'] as const) {
      const rows = this.db.exec(`SELECT k, k2, ${LOC_COLUMNS} FROM ${table} WHERE seg = ?`, [n])[0]?.values ?? [];
      for (const v of rows) {
        const from = locAt(v, 2);
        let copy: Buffer;
        if (from.sub === null) copy = tail.segments.read(from);
        else {
          const { type, body } = tail.entryAt(from);
          copy = type === Frame.Body ? frame(Frame.Body, Buffer.concat([body.subarray(0, 32), compress(body.subarray(32))])) : frame(Frame.List, compress(body));
        }
        const loc = tail.write(copy, durables);
        this.st.run(`UPDATE ${table} SET seg = ?, off = ?, len = ?, sub = NULL WHERE k = ? AND k2 = ?`, [loc.seg, loc.off, loc.len, v[0] as number, v[1] as number]);
      }
    }
  }

  private rebuildFts() {
    this.db.run('DROP TABLE IF EXISTS records_fts');
    this.db.exec('CREATE VIRTUAL TABLE records_fts USING fts4(content="", prompt, response, tools)');
    for (const r of this.records()) {
      const t = searchText(r);
      this.st.run('INSERT INTO records_fts (docid, prompt, response, tools) VALUES (?,?,?,?)', [r.seq, t.prompt, t.response, t.tools]);
    }
  }

  /** Deletes message lists and bodies that no remaining record reaches. */
  private sweep() {
    const liveLists = new Set<string>();
    const liveBlobs = new Set<string>();
    for (const r of this.records()) {
      let h = r.messages;
      while (h && !liveLists.has(h)) {
        liveLists.add(h);
        const node = this.bodies.listNode(h);
        if (!node) break;
        for (const it of node.items) liveBlobs.add(it.blob);
        h = node.parent;
      }
    }
    for (const [table, live] of [
      ['lists', liveLists],
      ['blobs', liveBlobs],
    ] as const) {
      const keep = new Set([...live].map((h) => hashKeys(h).join(':')));
      for (const [k, k2] of this.db.exec(`SELECT k, k2 FROM ${table}`)[0]?.values ?? [])
        if (!keep.has(`${k}:${k2}`)) this.st.run(`DELETE FROM ${table} WHERE k = ? AND k2 = ?`, [k as number, k2 as number]);
    }
  }
}
