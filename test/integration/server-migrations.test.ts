/**
 * Schema migrations upgrade an existing database: a database at migration 8 with stored
 * records (and a monthly partition) is brought to the current schema, its rows unchanged.
 * Migration 9 (record bodies compressed with lz4) on a real PostgreSQL reaches the existing
 * partitions as well as later ones; PGlite, which has no lz4, applies it as a no-op.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, type Db } from '../../server/db.js';
import { MIGRATIONS, migrate } from '../../server/migrations.js';
import { Partitions } from '../../server/partitions.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

/** The schema as a server of migration `upTo` left it (the same statements migrate() runs). */
async function migrateUpTo(db: Db, upTo: number) {
  await db.query('CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const m of MIGRATIONS.filter((x) => x.version <= upTo)) {
    for (const stmt of m.sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await db.query(stmt);
    await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
  }
}

const BODY = JSON.stringify({ prompt: 'why does the parser fail', messages: Array.from({ length: 40 }, (_, i) => ({ role: 'user', text: `line ${i} of a long conversation about the parser` })) });
const row = (seq: number, ts: string) => [ts, `id-${seq}`, 'dev', seq, `h${seq}`, 'sub', 'user', 'the parser fails', 'wrap it in a retry '.repeat(20), BODY];
const INSERT = `INSERT INTO records (ts, id, device, seq, hash, owner_sub, user_name, endpoint, decision, status, maskings, prompt, response, tools, body, batch_rid)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'chat', 'allowed', 'ok', 0, $8, $9, '', $10, 1)`;

describe.each(['postgresql', 'pglite'] as const)('migrations on %s', (kind) => {
  let pg: TestPostgres | null = null;
  let dir: string;
  let db: Db;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'witness-migrations-'));
    if (kind === 'postgresql') {
      pg = await startPostgres();
      db = await openPostgres(await pg.createDatabase('upgrade'));
    } else db = await openPglite(join(dir, 'pglite'));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a database at migration 8 with stored records: rows unchanged, lz4 on every partition where the server has it', async () => {
    await migrateUpTo(db, 8);
    await new Partitions(db).ensure(['2026-11-20T10:00:00Z']);
    await db.query(INSERT, row(1, '2026-11-20T10:00:00Z'));
    await db.query(INSERT, row(2, '2030-01-01T00:00:00Z')); // no partition: records_default
    const before = await db.query<{ seq: string; body: string; search: string }>('SELECT seq, body, search::text FROM records ORDER BY seq');

    expect(await migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version > 8).map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    expect(await db.query('SELECT seq, body, search::text FROM records ORDER BY seq')).toEqual(before);

    const compression = async () =>
      Object.fromEntries(
        (await db.query<{ relname: string; c: string }>("SELECT c.relname, a.attcompression AS c FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE a.attname = 'body' AND c.relname LIKE 'records%' AND c.relkind IN ('r', 'p')")).map((r) => [r.relname, r.c]),
      );
    await new Partitions(db).ensure(['2026-12-20T10:00:00Z']); // a partition made after the upgrade
    await db.query(INSERT, row(3, '2026-11-21T10:00:00Z'));
    await db.query(INSERT, row(4, '2026-12-21T10:00:00Z'));
    await db.query(INSERT, row(5, '2031-01-01T00:00:00Z'));
    const method = Object.fromEntries((await db.query<{ seq: string; m: string | null }>('SELECT seq, pg_column_compression(body) AS m FROM records ORDER BY seq')).map((r) => [Number(r.seq), r.m]));
    if (kind === 'postgresql') {
      expect(await compression()).toEqual({ records: 'l', records_default: 'l', records_202611: 'l', records_202612: 'l' });
      // Rows written before keep their pglz bodies (readable as ever); rows written after, in old and new partitions alike, are lz4.
      expect(method).toEqual({ 1: 'pglz', 2: 'pglz', 3: 'lz4', 4: 'lz4', 5: 'lz4' });
    } else {
      expect(Object.values(await compression()).every((c) => c === '')).toBe(true);
      expect(new Set(Object.values(method))).toEqual(new Set(['pglz']));
    }
    expect((await db.query<{ body: string }>('SELECT body FROM records WHERE seq = 4'))[0]!.body).toBe(BODY);
  });
});
