/**
 * Content-addressed message bodies and conversation lists: where each is stored (the index,
 * or `pending` while its index row waits in the queue), the Bloom filter that answers "not
 * stored" without a lookup, and what an append must write for its messages. Owns the filter
 * and the pending locations; frames are read through the tail it is given.
 */
import type { Database } from 'sql.js';
import type { Interaction, StoredMessage } from '../model/index.js';
import { sha256Hex } from '../model/node.js';
import { KeyFilter } from './bloom.js';
import { hashKeys, locAt, LOC_COLUMNS, type Loc, type Statements } from './db.js';
import { Frame, type FrameEntry, type GroupEntry } from './frames.js';
import type { ListNode } from './types.js';

type Table = 'blobs' | 'lists';

export class ContentStore {
  /** Which body and list keys may be stored (null until loaded or built). */
  private filter: KeyFilter | null = null;
  /** Bodies and list nodes written (or being written) whose index rows are not in yet: found here for deduplication. */
  private readonly pending = { blobs: new Map<string, Loc>(), lists: new Map<string, Loc>() };

  constructor(
    private readonly db: Database,
    private readonly st: Statements,
    private readonly entryAt: (loc: Loc) => FrameEntry,
  ) {}

  /** The key filter: from the snapshot, or built once from the index. */
  loadFilter(): KeyFilter {
    if (this.filter) return this.filter;
    const row = this.st.one('SELECT bits FROM keyfilter WHERE id = 1', []);
    let f: KeyFilter | null = null;
    if (row && row[0] instanceof Uint8Array) {
      try {
        f = new KeyFilter(new Uint8Array(row[0]));
      } catch {
        f = null;
      }
    }
    if (!f) {
      f = new KeyFilter();
      for (const table of ['blobs', 'lists'] as const) {
        const stmt = this.db.prepare(`SELECT k, k2 FROM ${table}`);
        try {
          while (stmt.step()) {
            const [k, k2] = stmt.get() as number[];
            f.add(table, k!, k2!);
          }
        } finally {
          stmt.free();
        }
      }
    }
    this.filter = f;
    return f;
  }

  /** Puts the filter into the index, for the snapshot. */
  saveFilter(): void {
    if (this.filter) this.db.run('INSERT OR REPLACE INTO keyfilter (id, bits) VALUES (1, ?)', [this.filter.bits]);
  }

  /**
   * What an append writes for its messages: each body not stored yet, and the conversation
   * as a content-addressed list. Agent mode resends the whole history each turn, so only
   * the items after the longest already-stored prefix go in a new list node.
   */
  stage(messages: Interaction['messages']): { list: string | null; entries: GroupEntry[] } {
    const entries: GroupEntry[] = [];
    const items: StoredMessage[] = [];
    const fresh = new Set<string>();
    for (const m of messages) {
      const hash = sha256Hex(m.text);
      items.push({ role: m.role, blob: hash });
      if (!fresh.has(hash) && !this.locate('blobs', hash)) {
        fresh.add(hash);
        entries.push({ type: Frame.Body, body: Buffer.concat([Buffer.from(hash, 'hex'), Buffer.from(m.text, 'utf8')]), table: 'blobs', hash });
      }
    }
    const list = this.listFor(items);
    if (list.node) entries.push({ type: Frame.List, body: Buffer.from(JSON.stringify(list.node)), table: 'lists', hash: list.node.hash });
    return { list: list.hash, entries };
  }

  /**
   * Written, not yet durable: later appends may reference these at once (they are in the
   * same or a later write, so they fail together); the index learns of them via place().
   */
  written(table: Table, hash: string, loc: Loc): void {
    this.filter?.add(table, ...hashKeys(hash));
    this.pending[table].set(hash, loc);
  }

  /** A write failed: what is past `durableBytes` of segment `seg` (all of it: -1) is not on disk. */
  forget(seg: number, durableBytes: number): void {
    for (const table of ['blobs', 'lists'] as const) {
      for (const [hash, loc] of this.pending[table]) if (loc.seg >= seg && (durableBytes < 0 || loc.off >= durableBytes)) this.pending[table].delete(hash);
    }
  }

  /**
   * The message list as prefix-chained nodes: its hash, and the node to write for the items
   * after the longest prefix already stored (none when the whole list is known).
   */
  private listFor(items: StoredMessage[]): { hash: string | null; node: ListNode | null } {
    if (items.length === 0) return { hash: null, node: null };
    const prefix: string[] = [];
    let h = '';
    for (const it of items) prefix.push((h = sha256Hex(`${h}|${it.role}|${it.blob}`)));
    let known = -1;
    for (let k = prefix.length - 1; k >= 0; k--) {
      if (this.locate('lists', prefix[k]!)) {
        known = k;
        break;
      }
    }
    const top = prefix[prefix.length - 1]!;
    if (known === prefix.length - 1) return { hash: top, node: null };
    return { hash: top, node: { hash: top, parent: known >= 0 ? prefix[known]! : null, items: items.slice(known + 1) } };
  }

  /** Where the body or list node with this hash is stored, or null. */
  private locate(table: Table, hash: string): Loc | null {
    const pending = this.pending[table].get(hash);
    if (pending) return pending;
    const keys = hashKeys(hash);
    if (!this.loadFilter().mightHave(table, keys[0], keys[1])) return null;
    const row = this.st.one(`SELECT ${LOC_COLUMNS} FROM ${table} WHERE k = ? AND k2 = ?`, keys);
    return row ? locAt(row) : null;
  }

  /**
   * Indexes a body or list node. On the append path it was found in `pending` until now
   * (under steady load the queue is never empty, so each entry leaves as its write is
   * applied, not when the queue drains).
   */
  place(table: Table, hash: string, loc: Loc): void {
    const [k, k2] = hashKeys(hash);
    this.filter?.add(table, k, k2);
    this.st.run(`INSERT OR IGNORE INTO ${table} (k, k2, seg, off, len, sub) VALUES (?, ?, ?, ?, ?, ?)`, [k, k2, loc.seg, loc.off, loc.len, loc.sub ?? null]);
    if (this.pending[table].get(hash) === loc) this.pending[table].delete(hash);
  }

  /** A list node read back from its frame (null when absent, unreadable or not that node). */
  listNode(hash: string): ListNode | null {
    const loc = this.locate('lists', hash);
    if (!loc) return null;
    try {
      const e = this.entryAt(loc);
      if (e.type !== Frame.List) return null;
      const node = JSON.parse(e.body.toString('utf8')) as ListNode;
      return node.hash === hash ? node : null;
    } catch {
      return null;
    }
  }

  /** The messages of a stored list, oldest first. */
  listItems(hash: string | null): StoredMessage[] {
    const chunks: StoredMessage[][] = [];
    let h = hash;
    let guard = 0;
    while (h && guard++ < 100_000) {
      const node = this.listNode(h);
      if (!node) break;
      chunks.push(node.items);
      h = node.parent;
    }
    return chunks.reverse().flat();
  }

  /** A message body by hash; null when absent or unreadable. */
  blobText(hash: string): string | null {
    const loc = this.locate('blobs', hash);
    if (!loc) return null;
    try {
      const e = this.entryAt(loc);
      if (e.type !== Frame.Body || e.body.subarray(0, 32).toString('hex') !== hash) return null;
      return e.body.toString('utf8', 32);
    } catch {
      return null;
    }
  }
}
