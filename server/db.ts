/**
 * The server's one database interface over two engines that speak the same SQL: PostgreSQL
 * through node `pg` (DATABASE_URL / database.url) and PGlite, PostgreSQL compiled to WASM,
 * in the data dir (evaluation and small teams, one process). Everything else in server/ sees
 * only `Db`. Never logs parameters (they hold record text).
 */
import { mkdirSync } from 'node:fs';

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgresql';
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on a throw). */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * A bytea parameter: `byteaParam(n)` is the SQL for parameter n, `bytea(b)` its value. `pg`
   * sends a Buffer as a binary parameter as it is; PGlite would turn one into hex text in
   * JavaScript byte by byte (~0.1 s for a 300 KB batch), so it gets hex text made natively
   * and decoded by the database.
   */
  byteaParam(n: number): string;
  bytea(b: Buffer): unknown;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPglite(dir: string): Promise<Db> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(dir);
  return {
    kind: 'pglite',
    byteaParam: (n) => `decode($${n}, 'hex')`,
    bytea: (b) => b.toString('hex'),
    query: async (sql, params) => (await pg.query(sql, params ?? [])).rows as never,
    tx: (fn) => pg.transaction((t) => fn({ query: async (sql, params) => (await t.query(sql, params ?? [])).rows as never })),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: () => pg.close(),
  };
}

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // A connection that drops between queries is replaced by the pool; its error must not crash the node.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  return {
    kind: 'postgresql',
    byteaParam: (n) => `$${n}`,
    bytea: (b) => b,
    query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
    tx: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({ query: async (sql, params) => (await client.query(sql, params as unknown[])).rows });
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}
