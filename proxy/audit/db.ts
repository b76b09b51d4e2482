/**
 * The in-memory index (sql.js): one row per record with the columns searches filter on and
 * where the record's frame lives in the segments; message-body and list locations; full-text
 * search (FTS4). The bodies themselves stay on disk, encrypted, read on demand, so memory
 * and start time grow with the index, not with the content. The index is never written to
 * disk in clear: the store persists it only as an encrypted snapshot.
 */
import { createRequire } from 'node:module';
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import type { AuditRecord } from '../model/index.js';
import { sha256Hex } from '../model/node.js';
import { searchText } from './record.js';

let sqlPromise: Promise<SqlJsStatic> | null = null;

export function loadSql(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const require = createRequire(import.meta.url);
    const init = require('sql.js') as (cfg?: object) => Promise<SqlJsStatic>;
    sqlPromise = init();
  }
  return sqlPromise;
}

/**
 * Index format 4: a location may point inside an append's group frame (`sub`).
 * (1 kept deflated records inside the index; 2 kept a copy of each hash; 3 had no `sub`.)
 */
export const INDEX_FORMAT = 4;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY, idk INTEGER NOT NULL, ts INTEGER NOT NULL, user TEXT, editor TEXT, model TEXT,
  endpoint TEXT, decision TEXT, status TEXT, maskings INTEGER,
  seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, sub INTEGER);
CREATE INDEX IF NOT EXISTS records_ts ON records(ts);
CREATE INDEX IF NOT EXISTS records_idk ON records(idk);
-- Message bodies and list nodes by SHA-256, keyed by its first 104 bits (two integers:
-- compact, and collision-free in practice); the frames hold the full hash and the content.
CREATE TABLE IF NOT EXISTS blobs (k INTEGER NOT NULL, k2 INTEGER NOT NULL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, sub INTEGER, PRIMARY KEY (k, k2)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lists (k INTEGER NOT NULL, k2 INTEGER NOT NULL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, sub INTEGER, PRIMARY KEY (k, k2)) WITHOUT ROWID;
-- The key filter (bloom.ts) as of the snapshot.
CREATE TABLE IF NOT EXISTS keyfilter (id INTEGER PRIMARY KEY, bits BLOB NOT NULL);
-- Contentless: the index only (the text is in the record); keeps memory and snapshots small.
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts4(content="", prompt, response, tools);
`;

/** A hex SHA-256 as the two integer keys of the blobs and lists tables. */
export function hashKeys(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 13), 16), parseInt(hex.slice(13, 26), 16)];
}

/** An id as an integer key (52 bits of its SHA-256); rows found by it are checked against the record. */
export function idKey(id: string): number {
  return parseInt(sha256Hex(id).slice(0, 13), 16);
}

/**
 * Durability is the journal's job, so SQLite needs no rollback journal of its own: without
 * these, every statement creates and deletes a journal file in sql.js's in-memory FS.
 * (They are reset when sql.js exports the database, so apply them again after that.)
 */
export function tune(db: Database): void {
  db.exec('PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;');
}

/**
 * Where a frame lives: segment number, offset of its length prefix, sealed length; and for
 * an entry of a group frame (what one append wrote), the entry's offset in the group.
 */
export interface Loc {
  seg: number;
  off: number;
  len: number;
  sub?: number | null;
}

/** The columns that hold a location, in the order `locAt` reads them. */
export const LOC_COLUMNS = 'seg, off, len, sub';

/** The location in a result row, from column `i` on (seg, off, len, sub). */
export function locAt(v: ArrayLike<unknown>, i = 0): Loc {
  return { seg: v[i] as number, off: v[i + 1] as number, len: v[i + 2] as number, sub: (v[i + 3] as number | null) ?? null };
}

/** Prepared statements, kept for the life of the database (sql.js ≥ 1.16 export() leaves them valid). */
export class Statements {
  private cache = new Map<string, Statement>();
  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** Runs a statement that changes rows. */
  run(sql: string, params: Array<string | number | null | Uint8Array>): void {
    const s = this.get(sql);
    s.run(params);
  }

  /** The first row, or null. */
  one(sql: string, params: Array<string | number | null>): Array<string | number | Uint8Array | null> | null {
    const s = this.get(sql);
    try {
      s.bind(params);
      return s.step() ? (s.get() as Array<string | number | Uint8Array | null>) : null;
    } finally {
      s.reset();
    }
  }

  free(): void {
    for (const s of this.cache.values()) s.free();
    this.cache.clear();
  }
}

/** What the index keeps of a record: its filter columns, location and searchable text. */
export interface RecordRow {
  cols: Array<string | number | null>;
  fts: [number, string, string, string];
}

/**
 * The record's index row, taken at once so that a queued index write holds a few strings
 * rather than the whole record (what is alive at a young-GC pause is what it copies).
 */
export function recordRow(r: AuditRecord, loc: Loc): RecordRow {
  const maskings = r.maskings.reduce((a, m) => a + m.count, 0);
  const t = searchText(r);
  return {
    cols: [r.seq, idKey(r.id), Date.parse(r.time), r.user, r.client.editor, r.model, r.endpoint, r.decision, r.status, maskings, loc.seg, loc.off, loc.len, loc.sub ?? null],
    fts: [r.seq, t.prompt, t.response, t.tools],
  };
}

export function insertRow(st: Statements, row: RecordRow): void {
  st.run('INSERT OR IGNORE INTO records (seq,idk,ts,user,editor,model,endpoint,decision,status,maskings,seg,off,len,sub) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)', row.cols);
  st.run('INSERT OR REPLACE INTO records_fts (docid, prompt, response, tools) VALUES (?,?,?,?)', row.fts);
}

export function insertRecord(st: Statements, r: AuditRecord, loc: Loc): void {
  insertRow(st, recordRow(r, loc));
}

export function getMeta(db: Database, k: string): string | null {
  const res = db.exec('SELECT v FROM meta WHERE k = ?', [k]);
  return (res[0]?.values[0]?.[0] as string | undefined) ?? null;
}

export function setMeta(db: Database, k: string, v: string): void {
  db.run('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', [k, v]);
}
