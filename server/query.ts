/**
 * The query API over stored records: search (the engine's filters plus device, PostgreSQL
 * full-text search over masked prompt, response and tool calls), record detail and exports
 * (JSON Lines, OCSF), every one scoped by role: a developer sees the records of the devices
 * they enrolled, an auditor or admin everyone's. Only masked text was ever stored.
 */
import { toOcsf } from '../proxy/audit/index.js';
import { parseTime, type ExportedRecord, type ServerSearchHit, type ServerSearchPage, type ServerSearchQuery } from '../proxy/model/index.js';
import type { Caller } from './auth.js';
import type { Db } from './db.js';

interface HitRow {
  rid: string | number;
  seq: string | number;
  id: string;
  ts: string | Date;
  device: string;
  user_name: string;
  client: string | null;
  endpoint: string;
  model: string | null;
  decision: string;
  status: string;
  maskings: number;
  prompt: string;
  response: string;
  tools: string;
  identity: string | null;
}

type Parsed = Omit<ServerSearchQuery, 'limit'> & { limit: number };

/**
 * Matches are counted up to this many, then `total` stops there and `totalCapped` says so:
 * an exact count of a common word over a million rows reads every matching row (seconds),
 * while the page itself only needs the newest few.
 */
export const COUNT_CAP = 10_000;

function where(caller: Caller, query: Parsed): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (!caller.auditor) parts.push(`owner_sub = ${p(caller.sub)}`);
  if (query.q) parts.push(`search @@ websearch_to_tsquery('simple', ${p(query.q)})`);
  if (query.user) {
    const u = p(query.user);
    parts.push(`(user_name = ${u} OR identity_email = ${u} OR identity_sub = ${u} OR owner_sub = ${u})`);
  }
  if (query.device) parts.push(`device = ${p(query.device)}`);
  const since = parseTime(query.since);
  const until = parseTime(query.until);
  if (since !== undefined) parts.push(`ts >= ${p(new Date(since).toISOString())}`);
  if (until !== undefined) parts.push(`ts <= ${p(new Date(until).toISOString())}`);
  if (query.client) parts.push(`client = ${p(query.client)}`);
  if (query.model) parts.push(`model = ${p(query.model)}`);
  if (query.endpoint) parts.push(`endpoint = ${p(query.endpoint)}`);
  if (query.decision) parts.push(`decision = ${p(query.decision)}`);
  if (query.status) parts.push(`status = ${p(query.status)}`);
  // A tool by name: `tools` holds one "name arguments" line per call.
  if (query.tool) parts.push(`position((E'\\n' || ${p(query.tool)} || ' ') in (E'\\n' || tools)) > 0`);
  if (query.masked === 'true') parts.push('maskings > 0');
  if (query.masked === 'false') parts.push('maskings = 0');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function hit(r: HitRow): ServerSearchHit {
  return {
    seq: Number(r.seq),
    id: r.id,
    time: new Date(r.ts).toISOString(),
    user: r.user_name,
    client: r.client,
    endpoint: r.endpoint,
    model: r.model,
    decision: r.decision,
    status: r.status,
    maskings: Number(r.maskings),
    prompt: r.prompt,
    response: r.response,
    toolCalls: r.tools ? r.tools.split('\n') : [],
    device: r.device,
    identity: r.identity ? (JSON.parse(r.identity) as ServerSearchHit['identity']) : null,
  };
}

export class Query {
  constructor(private readonly db: Db) {}

  async search(caller: Caller, query: Parsed): Promise<ServerSearchPage> {
    const w = where(caller, query);
    const counted = Number(
      (await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM records ${w.sql} LIMIT ${COUNT_CAP + 1}) AS m`, w.params))[0]!.n,
    );
    const total = Math.min(counted, COUNT_CAP);
    const params = [...w.params];
    let cursor = '';
    if (query.before !== undefined) {
      params.push(query.before);
      cursor = `${w.sql ? ' AND' : 'WHERE'} rid < $${params.length}`;
    }
    params.push(query.limit);
    const rows = await this.db.query<HitRow>(
      `SELECT rid, seq, id, ts, device, user_name, client, endpoint, model, decision, status, maskings, prompt, response, tools,
         (body::jsonb -> 'identity')::text AS identity
       FROM records ${w.sql}${cursor} ORDER BY rid DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.map(hit);
    return { items, total, ...(counted > COUNT_CAP ? { totalCapped: true } : {}), nextBefore: rows.length === query.limit ? Number(rows[rows.length - 1]!.rid) : null };
  }

  /** A record by id with its conversation, or null (also when the caller may not see it). */
  async detail(caller: Caller, id: string): Promise<ExportedRecord | null> {
    const rows = caller.auditor
      ? await this.db.query<{ body: string }>('SELECT body FROM records WHERE id = $1 LIMIT 1', [id])
      : await this.db.query<{ body: string }>('SELECT body FROM records WHERE id = $1 AND owner_sub = $2 LIMIT 1', [id, caller.sub]);
    return rows[0] ? (JSON.parse(rows[0].body) as ExportedRecord) : null;
  }

  /** Matching records, oldest first, as JSON Lines or OCSF lines, in pages (never the whole set in memory). */
  async export(caller: Caller, query: Parsed, format: 'jsonl' | 'ocsf', write: (chunk: string) => void): Promise<number> {
    const w = where(caller, query);
    let after = 0;
    let n = 0;
    for (;;) {
      const rows = await this.db.query<{ rid: string; body: string }>(
        `SELECT rid, body FROM records ${w.sql}${w.sql ? ' AND' : 'WHERE'} rid > $${w.params.length + 1} ORDER BY rid LIMIT 1000`,
        [...w.params, after],
      );
      if (!rows.length) return n;
      for (const r of rows) {
        write((format === 'jsonl' ? r.body : JSON.stringify(toOcsf(JSON.parse(r.body) as ExportedRecord))) + '\n');
        n++;
      }
      after = Number(rows[rows.length - 1]!.rid);
    }
  }

  async securityEvents(limit = 200): Promise<Array<{ id: number; time: string; device: string | null; code: string; message: string }>> {
    const rows = await this.db.query<{ id: string; time: string | Date; device: string | null; code: string; message: string }>(
      'SELECT id, time, device, code, message FROM security_events ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ id: Number(r.id), time: new Date(r.time).toISOString(), device: r.device, code: r.code, message: r.message }));
  }
}
