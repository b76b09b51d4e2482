/** Browsing and searching the audit index: filters, full-text (FTS4), keyset pagination. */
import type { Database } from 'sql.js';
import { parseTime, SearchQuerySchema, type AuditRecord, type SearchHit, type SearchPage, type SearchQuery } from '../model/index.js';
import { WitnessError } from '../errors.js';
import { locAt, type Loc } from './db.js';

/** Where search reads from: the index, and the records it points to (the AuditStore). */
export interface RecordSource {
  db: Database;
  recordAt(loc: Loc, expectSeq?: number): AuditRecord;
}

export function search(source: RecordSource, input: SearchQuery): SearchPage {
  const db = source.db;
  const q = SearchQuerySchema.parse(input);
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: string, v: string | number) => {
    where.push(sql);
    args.push(v);
  };
  const since = parseTime(q.since);
  const until = parseTime(q.until);
  if (since !== undefined) add('r.ts >= ?', since);
  if (until !== undefined) add('r.ts <= ?', until);
  if (q.user) add('r.user = ?', q.user);
  if (q.client) add('r.editor = ?', q.client);
  if (q.model) add('r.model = ?', q.model);
  if (q.endpoint) add('r.endpoint = ?', q.endpoint);
  if (q.decision) add('r.decision = ?', q.decision);
  if (q.status) add('r.status = ?', q.status);
  if (q.masked !== undefined) where.push(q.masked === true || q.masked === 'true' ? 'r.maskings > 0' : 'r.maskings = 0');
  let from = 'records r';
  if (q.q && q.q.trim()) {
    from = 'records r JOIN records_fts f ON f.docid = r.seq';
    add('records_fts MATCH ?', ftsQuery(q.q));
  }
  const base = `FROM ${from}${where.length ? ' WHERE ' + where.join(' AND ') : ''}`;
  let total: number;
  try {
    total = Number(db.exec(`SELECT count(*) ${base}`, args)[0]?.values[0]?.[0] ?? 0);
  } catch (e) {
    // Only the full-text expression is the caller's own syntax; anything else is ours.
    if (!q.q || !/MATCH/i.test((e as Error).message)) throw e;
    const shown = q.q.length > 80 ? `${q.q.slice(0, 77)}…` : q.q;
    throw new WitnessError(
      'USAGE',
      `The full-text query ${JSON.stringify(shown)} is not valid search syntax: write plain words (all must match), "a quoted phrase", or words joined by AND / OR / NOT with a word on each side.`,
    );
  }
  const pageWhere = q.before !== undefined ? `${where.length ? ' AND' : ' WHERE'} r.seq < ?` : '';
  const rows = db.exec(`SELECT r.seq, r.seg, r.off, r.len, r.sub ${base}${pageWhere} ORDER BY r.seq DESC LIMIT ?`, [...args, ...(q.before !== undefined ? [q.before] : []), q.limit]);
  const items: SearchHit[] = [];
  const found = rows[0]?.values ?? [];
  for (const v of found) {
    try {
      items.push(hit(source.recordAt(locAt(v, 1), v[0] as number)));
    } catch {
      // An unreadable record (modified or corrupted) is left out; `witness verify` names it.
    }
  }
  const last = found[found.length - 1];
  return { items, nextBefore: found.length === q.limit && last ? (last[0] as number) : null, total };
}

/** Plain words become an AND of quoted terms; FTS operators are kept when the user wrote them. */
function ftsQuery(q: string): string {
  if (/["*]|\b(?:AND|OR|NOT|NEAR)\b/.test(q)) return q;
  return q
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `"${w.replace(/"/g, '')}"`)
    .join(' ');
}

function hit(r: AuditRecord): SearchHit {
  return {
    seq: r.seq,
    id: r.id,
    time: r.time,
    user: r.user,
    client: r.client.editor,
    endpoint: r.endpoint,
    model: r.model,
    decision: r.decision,
    status: r.status,
    maskings: r.maskings.reduce((a, m) => a + m.count, 0),
    prompt: r.prompt.slice(0, 500),
    response: r.response.slice(0, 500),
    toolCalls: r.toolCalls.map((c) => c.name),
  };
}
