/**
 * The in-memory index (sql.js): records, content-addressed blobs, full-text search (FTS4).
 * It is never written to disk in clear: the store persists it only as an encrypted snapshot.
 */
import { createRequire } from 'node:module';
import type { Database, SqlJsStatic } from 'sql.js';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AuditRecord } from './record.js';
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

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, ts INTEGER NOT NULL, user TEXT, editor TEXT, model TEXT,
  endpoint TEXT, decision TEXT, status TEXT, maskings INTEGER, z BLOB NOT NULL, hash TEXT NOT NULL, prev_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_ts ON records(ts);
CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, z BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS lists (hash TEXT PRIMARY KEY, parent TEXT, items TEXT NOT NULL);
-- Contentless: the index only (the text is in the record); keeps memory and snapshots small.
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts4(content="", prompt, response, tools);
`;

export function insertRecord(db: Database, r: AuditRecord): void {
  const maskings = r.maskings.reduce((a, m) => a + m.count, 0);
  db.run('INSERT OR IGNORE INTO records (seq,id,ts,user,editor,model,endpoint,decision,status,maskings,z,hash,prev_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)', [
    r.seq,
    r.id,
    Date.parse(r.time),
    r.user,
    r.client.editor,
    r.model,
    r.endpoint,
    r.decision,
    r.status,
    maskings,
    packRecord(r),
    r.hash,
    r.prevHash,
  ]);
  const t = searchText(r);
  db.run('INSERT OR REPLACE INTO records_fts (docid, prompt, response, tools) VALUES (?,?,?,?)', [r.seq, t.prompt, t.response, t.tools]);
}

/** Records are kept deflated in the index (JSON compresses ~4×; memory is the limit at 100k records). */
export function packRecord(r: AuditRecord): Uint8Array {
  return deflateRawSync(JSON.stringify(r));
}

export function unpackRecord(z: Uint8Array): AuditRecord {
  return JSON.parse(inflateRawSync(z).toString('utf8')) as AuditRecord;
}

export function getMeta(db: Database, k: string): string | null {
  const res = db.exec('SELECT v FROM meta WHERE k = ?', [k]);
  return (res[0]?.values[0]?.[0] as string | undefined) ?? null;
}

export function setMeta(db: Database, k: string, v: string): void {
  db.run('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', [k, v]);
}
