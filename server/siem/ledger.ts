/**
 * The export bookkeeping in the database, shared by every node (migration 4):
 *
 *  - `siem_inbox` gets each new record's rid from a trigger, in the ingest transaction;
 *  - `sequence()` moves committed inbox rows to `siem_log` with consecutive positions, one
 *    node at a time (advisory lock). Record rids come from a sequence and commit out of
 *    order, so a cursor over rids could step over a record that commits late; positions are
 *    handed out only to committed rows, in order, so a cursor over them never skips one;
 *  - `siem_cursors` holds each destination's position and counters. A node works on a
 *    destination only while it holds the row's lease, taken by a conditional UPDATE on a row
 *    locked `FOR UPDATE SKIP LOCKED` and fenced on settle (owner and cursor must match), so
 *    N nodes never send one position twice while a lease is honoured (a request's timeout is
 *    shorter than the lease, and the lease is renewed before every request);
 *  - `siem_dead_letters` keeps what a destination refused for good.
 * Never stores a destination's headers.
 */
import type { Db } from '../db.js';

const SEQUENCER_LOCK = 7461728;
const SEQUENCE_CHUNK = 10_000;

export interface LoggedRecord {
  pos: number;
  id: string | null;
  /** The record as stored (masked JSON); null when retention dropped it before export. */
  body: string | null;
}

export interface DeadLetter {
  pos: number;
  recordId: string;
  status: number | null;
  error: string;
}

export interface Settlement {
  from: number;
  to: number;
  delivered: number;
  dead: DeadLetter[];
  /** A transient failure: the error and when to try again. */
  retry?: { error: string; inSeconds: number };
  /** Kept as the last error without a retry (a refusal or a partial success). */
  note?: string;
}

export interface CursorRow {
  destination: string;
  cursor: number;
  delivered: number;
  deadLetters: number;
  pending: number;
  failures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
  nextAttemptAt: string | null;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

export class SiemLedger {
  constructor(
    private readonly db: Db,
    private readonly owner: string,
  ) {}

  async ensure(destinations: string[]): Promise<void> {
    for (const d of destinations) await this.db.query('INSERT INTO siem_cursors (destination) VALUES ($1) ON CONFLICT DO NOTHING', [d]);
  }

  /** Gives committed new records their export positions; 0 when another node is doing it. */
  async sequence(): Promise<number> {
    return this.db.tx(async (q) => {
      const [lock] = await q.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) AS ok`);
      if (!lock?.ok) return 0;
      const rows = await q.query<{ n: string }>(
        `WITH taken AS (DELETE FROM siem_inbox WHERE rid IN (SELECT rid FROM siem_inbox ORDER BY rid LIMIT ${SEQUENCE_CHUNK}) RETURNING rid),
              base AS (SELECT coalesce(max(pos), 0) AS b FROM siem_log),
              put AS (INSERT INTO siem_log (pos, rid) SELECT base.b + row_number() OVER (ORDER BY taken.rid), taken.rid FROM taken, base RETURNING 1)
         SELECT count(*) AS n FROM put`,
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  /** Takes the destination's lease when it is free and not backing off: its cursor, or null. */
  async claim(destination: string, leaseSeconds: number): Promise<number | null> {
    const rows = await this.db.query<{ cursor: string }>(
      `UPDATE siem_cursors SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)
       WHERE destination IN (SELECT destination FROM siem_cursors WHERE destination = $1 FOR UPDATE SKIP LOCKED)
         AND (lease_until IS NULL OR lease_until < now()) AND (next_attempt_at IS NULL OR next_attempt_at <= now())
       RETURNING cursor`,
      [destination, this.owner, leaseSeconds],
    );
    return rows[0] ? Number(rows[0].cursor) : null;
  }

  /** Extends a held lease before another request; false when it was lost. */
  async renew(destination: string, leaseSeconds: number): Promise<boolean> {
    const rows = await this.db.query('UPDATE siem_cursors SET lease_until = now() + make_interval(secs => $3) WHERE destination = $1 AND lease_owner = $2 RETURNING 1', [destination, this.owner, leaseSeconds]);
    return rows.length === 1;
  }

  async release(destination: string): Promise<void> {
    await this.db.query('UPDATE siem_cursors SET lease_owner = NULL, lease_until = NULL WHERE destination = $1 AND lease_owner = $2', [destination, this.owner]);
  }

  async after(cursor: number, limit: number): Promise<LoggedRecord[]> {
    const rows = await this.db.query<{ pos: string; id: string | null; body: string | null }>(
      'SELECT l.pos, r.id, r.body FROM siem_log l LEFT JOIN records r ON r.rid = l.rid WHERE l.pos > $1 ORDER BY l.pos LIMIT $2',
      [cursor, limit],
    );
    return rows.map((r) => ({ pos: Number(r.pos), id: r.id, body: r.body }));
  }

  /**
   * Moves the cursor from `from` to `to` with the counts, dead letters and error, and lets the
   * lease go, in one transaction fenced on owner and cursor: false (nothing written) when this
   * node no longer held the lease.
   */
  async settle(destination: string, s: Settlement): Promise<boolean> {
    return this.db.tx(async (q) => {
      const error = s.retry?.error ?? s.note ?? null;
      const rows = await q.query(
        `UPDATE siem_cursors SET cursor = $3, delivered = delivered + $4, dead_letters = dead_letters + $5,
           failures = CASE WHEN $6::float8 IS NULL THEN 0 ELSE failures + 1 END,
           next_attempt_at = CASE WHEN $6::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $6::float8) END,
           last_error = coalesce($7, last_error), last_error_at = CASE WHEN $7::text IS NULL THEN last_error_at ELSE now() END,
           last_delivered_at = CASE WHEN $4 > 0 THEN now() ELSE last_delivered_at END,
           lease_owner = NULL, lease_until = NULL
         WHERE destination = $1 AND lease_owner = $2 AND cursor = $8
         RETURNING 1`,
        [destination, this.owner, s.to, s.delivered, s.dead.length, s.retry?.inSeconds ?? null, error, s.from],
      );
      if (rows.length !== 1) throw new LeaseLost(destination);
      for (const d of s.dead) {
        await q.query('INSERT INTO siem_dead_letters (destination, pos, record_id, status, error) VALUES ($1, $2, $3, $4, $5)', [destination, d.pos, d.recordId, d.status, d.error]);
      }
      return true;
    }).catch((e) => {
      if (e instanceof LeaseLost) return false;
      throw e;
    });
  }

  async status(destinations: string[]): Promise<CursorRow[]> {
    if (!destinations.length) return [];
    const [inbox] = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM siem_inbox');
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT c.*, (SELECT count(*) FROM siem_log l WHERE l.pos > c.cursor) AS pending
       FROM siem_cursors c WHERE c.destination = ANY($1::text[])`,
      [destinations],
    );
    const byName = new Map(rows.map((r) => [String(r.destination), r]));
    return destinations.map((destination) => {
      const r = byName.get(destination);
      return {
        destination,
        cursor: Number(r?.cursor ?? 0),
        delivered: Number(r?.delivered ?? 0),
        deadLetters: Number(r?.dead_letters ?? 0),
        pending: Number(r?.pending ?? 0) + Number(inbox?.n ?? 0),
        failures: Number(r?.failures ?? 0),
        lastError: (r?.last_error as string | null) ?? null,
        lastErrorAt: iso(r?.last_error_at),
        lastDeliveredAt: iso(r?.last_delivered_at),
        nextAttemptAt: iso(r?.next_attempt_at),
      };
    });
  }

  async deadLetters(destination: string, limit = 100): Promise<Array<{ recordId: string; status: number | null; error: string; at: string }>> {
    const rows = await this.db.query<{ record_id: string; status: number | null; error: string; at: string }>(
      'SELECT record_id, status, error, at FROM siem_dead_letters WHERE destination = $1 ORDER BY id DESC LIMIT $2',
      [destination, limit],
    );
    return rows.map((r) => ({ recordId: r.record_id, status: r.status === null ? null : Number(r.status), error: r.error, at: iso(r.at)! }));
  }
}

class LeaseLost extends Error {
  constructor(destination: string) {
    super(`the export lease on ${destination} was lost before settling`);
  }
}
