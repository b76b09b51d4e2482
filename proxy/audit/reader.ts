/**
 * Reading records through the index: by seq range, time range or id, each read back from its
 * frame and checked to be the seq indexed. An unreadable record is reported in the store's
 * issues (once) and skipped, so its gap shows. Owns no state; every read syncs the index first.
 */
import type { Database } from 'sql.js';
import type { AuditRecord, ExportedRecord } from '../model/index.js';
import type { ContentStore } from './bodies.js';
import { idKey, locAt, LOC_COLUMNS, type Loc, type Statements } from './db.js';
import type { JournalTail } from './tail.js';
import type { StoreIssue } from './types.js';

export class RecordReader {
  constructor(
    private readonly db: Database,
    private readonly st: Statements,
    private readonly tail: JournalTail,
    private readonly bodies: ContentStore,
    private readonly issues: StoreIssue[],
    private readonly syncIndex: () => void,
  ) {}

  /** Up to `limit` records after `seq`, in seq order. */
  after(seq: number, limit: number): AuditRecord[] {
    this.syncIndex();
    const out: AuditRecord[] = [];
    const stmt = this.db.prepare(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE seq > ? ORDER BY seq LIMIT ?`);
    stmt.bind([seq, limit]);
    try {
      while (stmt.step()) {
        const v = stmt.get();
        try {
          out.push(this.tail.recordAt(locAt(v, 1), v[0] as number));
        } catch (e) {
          this.unreadable(v[0] as number, e as Error);
        }
      }
    } finally {
      stmt.free();
    }
    return out;
  }

  /** Record by id, with message texts resolved (null if absent or unreadable). */
  byId(id: string): ExportedRecord | null {
    this.syncIndex();
    const rows = this.db.exec(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE idk = ?`, [idKey(id)])[0]?.values ?? [];
    for (const row of rows) {
      try {
        const r = this.tail.recordAt(locAt(row, 1), row[0] as number);
        if (r.id === id) return this.resolve(r);
      } catch (e) {
        this.unreadable(row[0] as number, e as Error);
      }
    }
    return null;
  }

  resolve(r: AuditRecord): ExportedRecord {
    return { ...r, messages: this.bodies.listItems(r.messages).map((m) => ({ role: m.role, text: this.bodies.blobText(m.blob) ?? '' })) };
  }

  /** Index rows in seq order, optionally within a time range. */
  *rows(range: { since?: number; until?: number } = {}): Generator<{ seq: number; loc: Loc }> {
    this.syncIndex();
    const stmt = this.db.prepare(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE ts >= ? AND ts <= ? ORDER BY seq`);
    stmt.bind([range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER]);
    try {
      while (stmt.step()) {
        const v = stmt.get();
        yield { seq: v[0] as number, loc: locAt(v, 1) };
      }
    } finally {
      stmt.free();
    }
  }

  /** Records in seq order (raw, blobs unresolved), optionally within a time range. */
  *iterate(range: { since?: number; until?: number } = {}): Generator<AuditRecord> {
    for (const row of this.rows(range)) {
      let r: AuditRecord;
      try {
        r = this.tail.recordAt(row.loc, row.seq);
      } catch (e) {
        this.unreadable(row.seq, e as Error);
        continue;
      }
      yield r;
    }
  }

  /** The hash of the record with this seq, read from the record itself (undefined if absent or unreadable). */
  hashAt(seq: number): string | undefined {
    const row = this.st.one(`SELECT ${LOC_COLUMNS} FROM records WHERE seq = ?`, [seq]);
    if (!row) return undefined;
    try {
      return this.tail.recordAt(locAt(row), seq).hash;
    } catch {
      return undefined;
    }
  }

  private unreadable(seq: number, e: Error) {
    const message = `seq ${seq} cannot be read (${e.message}): modified or corrupted`;
    if (!this.issues.some((i) => i.message === message)) this.issues.push({ where: 'journal', seq, message });
  }
}
