/**
 * Bringing the index up to date with the frames written after its snapshot, segment by
 * segment in file order: bodies and lists placed, records indexed (file order checked record
 * to record), retention boundaries applied, open exchanges followed. Also where the next
 * append goes: a damaged or shortened last segment is never written over.
 */
import type { Database } from 'sql.js';
import type { Logger } from '../log.js';
import type { AuditRecord } from '../model/index.js';
import type { ContentStore } from './bodies.js';
import { getMeta, insertRecord, setMeta, type Loc, type Statements } from './db.js';
import type { OpenExchanges } from './exchanges.js';
import { Frame, frameEntries, type FrameType } from './frames.js';
import type { ChainHead } from './head.js';
import { readJournal, type JournalEntry } from './journal.js';
import type { Segments } from './segments.js';
import type { ExchangeStart, ListNode, StoreIssue } from './types.js';

/** What replay updates. */
export interface ReplayTarget {
  db: Database;
  st: Statements;
  head: ChainHead;
  bodies: ContentStore;
  exchanges: OpenExchanges;
  issues: StoreIssue[];
}

/** The head from the index (read back from the newest record), or from the snapshot's meta row. */
export function restoreHead(t: ReplayTarget, hashAt: (seq: number) => string | undefined): void {
  const h = getMeta(t.db, 'head');
  const last = t.st.one('SELECT seq FROM records ORDER BY seq DESC LIMIT 1', []);
  const lastHash = last ? hashAt(last[0] as number) : undefined;
  if (last && lastHash) t.head.set(last[0] as number, lastHash);
  else if (h) {
    const head = JSON.parse(h) as { seq: number; hash: string };
    t.head.set(head.seq, head.hash);
  }
}

/**
 * Replays every segment from `from`; returns the segment to append to next and how much of
 * it is valid.
 */
export function replaySegments(t: ReplayTarget, segments: Segments, key: Buffer, from: { seg: number; off: number }, log: Logger): { n: number; validLength: number } {
  // File order is checked record to record; with no index to start from (a new store, or
  // a rebuild after pruning), the first record found sets the start.
  const replay = new Replay(t, log, from.seg > 0 ? t.head.seq : null);
  const list = segments.list();
  let tail = { n: 1, validLength: 0 };
  for (const n of list) {
    const last = n === list[list.length - 1];
    if (n < from.seg) continue;
    const jr = readJournal(segments.path(n), key, n === from.seg ? from.off : 0);
    replay.segment(n, jr.entries, last);
    // A segment whose header is damaged is evidence: never write over it, start the next one.
    // So is one cut shorter than the index says it was: the next appends go to a new one.
    // And one with a damaged frame: only a torn tail is ever cut off.
    if (last) tail = jr.issues.some((i) => i.kind !== 'torn-tail') ? { n: n + 1, validLength: 0 } : { n, validLength: jr.validLength };
  }
  if (list.length > 0 && from.seg > list[list.length - 1]!) tail = { n: from.seg, validLength: 0 };
  return tail;
}

class Replay {
  constructor(
    private readonly t: ReplayTarget,
    private readonly log: Logger,
    /** The seq of the last record frame seen, to check file order. */
    private prevRecordSeq: number | null,
  ) {}

  private get prunedSeq(): number {
    const p = getMeta(this.t.db, 'pruned');
    return p ? (JSON.parse(p) as { seq: number }).seq : 0;
  }

  /** Brings the index up to date with frames of segment `n` (in file order). */
  segment(n: number, entries: JournalEntry[], lastSegment: boolean) {
    const { db, issues, head } = this.t;
    db.exec('BEGIN');
    for (const e of entries) {
      if (e.issue) {
        if (e.issue.kind === 'torn-tail' && lastSegment) {
          this.log.warn('audit journal ends in a torn frame (crash during a write); it was dropped', { segment: n, offset: e.issue.offset, detail: e.issue.detail });
          continue; // never acknowledged: not a problem of the chain
        }
        issues.push({ where: 'journal', seq: head.seq + 1, message: `segment ${n}: ${e.issue.detail} at byte ${e.issue.offset} (modified or corrupted)` });
        this.log.error('audit journal frame failed authentication', { segment: n, offset: e.issue.offset });
        continue;
      }
      const loc: Loc = { seg: n, off: e.offset, len: e.length, sub: null };
      try {
        for (const entry of frameEntries(e.frame)) this.entry(entry.type, entry.body, { ...loc, sub: entry.sub });
      } catch (err) {
        issues.push({ where: 'journal', seq: head.seq + 1, message: `a journal frame could not be read: ${(err as Error).message}` });
      }
    }
    db.exec('COMMIT');
  }

  /** Indexes one replayed entry (`body` is plain; for B only its first 32 bytes, the hash, are read). */
  private entry(type: FrameType, body: Buffer, loc: Loc) {
    const { db, st, head, bodies, exchanges } = this.t;
    if (type === Frame.Body) bodies.place('blobs', body.subarray(0, 32).toString('hex'), loc);
    else if (type === Frame.List) bodies.place('lists', (JSON.parse(body.toString('utf8')) as ListNode).hash, loc);
    else if (type === Frame.Pruned) {
      const boundary = JSON.parse(body.toString('utf8')) as { seq: number; hash: string };
      if (boundary.seq > this.prunedSeq) {
        setMeta(db, 'pruned', JSON.stringify(boundary));
        db.run('DELETE FROM records WHERE seq <= ?', [boundary.seq]);
      }
    } else if (type === Frame.Record || type === Frame.Copied) {
      // R: a record as appended, in chain order. C: a record copied forward by pruning.
      const r = JSON.parse(body.toString('utf8')) as AuditRecord;
      if (type === Frame.Record) {
        const expected = this.prevRecordSeq === null ? r.seq : this.prevRecordSeq + 1;
        if (r.seq !== expected) this.t.issues.push({ where: 'journal', seq: Math.min(r.seq, expected), message: `journal order broken: expected seq ${expected}, found ${r.seq}` });
        this.prevRecordSeq = r.seq;
      }
      exchanges.ended(r.id);
      if (r.seq <= head.seq && st.one('SELECT 1 FROM records WHERE seq = ?', [r.seq])) return; // already indexed
      if (r.seq <= this.prunedSeq) return; // removed by retention
      insertRecord(st, r, loc);
      if (r.seq > head.seq) head.set(r.seq, r.hash);
    } else if (type === Frame.Started) {
      exchanges.found(JSON.parse(body.toString('utf8')) as ExchangeStart);
    } else if (type === Frame.Gap) {
      exchanges.ended((JSON.parse(body.toString('utf8')) as ExchangeStart).id);
    }
  }
}
