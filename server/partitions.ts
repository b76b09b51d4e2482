/**
 * Monthly partitions of `records`, created before the rows that need them (under an
 * advisory lock, so nodes sharing one PostgreSQL do not race on the DDL). Retention drops a
 * month's partition whole; a row that finds no partition lands in records_default.
 */
import type { Db } from './db.js';

/** Storage parameters of every `records` partition (migration 9 sets them on the partitions made before it). */
export const RECORDS_PARTITION_STORAGE = 'toast_tuple_target = 8160';

function monthOf(ms: number): { name: string; from: string; to: string } {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const from = new Date(Date.UTC(y, m, 1)).toISOString();
  const to = new Date(Date.UTC(y, m + 1, 1)).toISOString();
  return { name: `records_${y}${String(m + 1).padStart(2, '0')}`, from, to };
}

export class Partitions {
  private readonly known = new Set<string>();
  /** The known months as [from, to) in ms: a batch's times are checked against them with one Date.parse each, no Date objects. */
  private readonly knownRanges: Array<[number, number]> = [];

  constructor(private readonly db: Db) {}

  async ensure(times: Iterable<string>): Promise<void> {
    const months = new Map<string, ReturnType<typeof monthOf>>();
    for (const t of times) {
      const ms = Date.parse(t);
      if (Number.isNaN(ms) || this.knownRanges.some(([from, to]) => ms >= from && ms < to)) continue;
      const m = monthOf(ms);
      if (!this.known.has(m.name)) months.set(m.name, m);
    }
    for (const m of months.values()) {
      await this.db.tx(async (q) => {
        await q.query('SELECT pg_advisory_xact_lock(7461727)');
        const exists = await q.query('SELECT 1 FROM pg_class WHERE relname = $1', [m.name]);
        // Rows already in the default partition for this month would make the DDL fail: they stay there.
        const stray = exists.length ? [] : await q.query('SELECT 1 FROM records_default WHERE ts >= $1 AND ts < $2 LIMIT 1', [m.from, m.to]);
        if (!exists.length && !stray.length) await q.query(`CREATE TABLE ${m.name} PARTITION OF records FOR VALUES FROM ('${m.from}') TO ('${m.to}') WITH (${RECORDS_PARTITION_STORAGE})`);
      });
      this.known.add(m.name);
      this.knownRanges.push([Date.parse(m.from), Date.parse(m.to)]);
    }
  }
}
