/**
 * What `witness verify` checks, on this machine: every frame of every segment (authenticated;
 * every record there known to the index), the hash chain from the retention boundary to the
 * head, every message body and list node against its hash, and the signed checkpoint. It
 * reads through a VerifySource and changes nothing. What it cannot see offline is listed
 * in CANNOT_DETECT_OFFLINE (docs/audit.md).
 */
import type { AuditRecord, StoredMessage } from '../model/index.js';
import { recordHash, sha256Hex } from '../model/node.js';
import { checkpointValid, type Checkpoint } from './checkpoint.js';
import type { Loc } from './db.js';
import { Frame, frameType, recordSeqs } from './frames.js';
import { readJournal } from './journal.js';
import type { Segments } from './segments.js';
import { CANNOT_DETECT_OFFLINE, type ExchangeStart, type StoreIssue, type VerifyResult } from './types.js';

/** What verify reads: the store's index, records, bodies and segments (read-only). */
export interface VerifySource {
  issues: readonly StoreIssue[];
  pruned: { seq: number; hash: string };
  rows(): Iterable<{ seq: number; loc: Loc }>;
  recordAt(loc: Loc, expectSeq: number): AuditRecord;
  listItems(hash: string | null): StoredMessage[];
  blobText(hash: string): string | null;
  segments: Segments;
  key: Buffer;
  checkpoint: Checkpoint | null;
  /** This device's signing key (null: it could not be read). */
  signerPublicKey: string | null;
  hashAt(seq: number): string | undefined;
}

export function verifyStore(src: VerifySource): VerifyResult {
  const problems: StoreIssue[] = [...src.issues];
  const start = src.pruned;
  let prev: string | null = start.hash;
  let expectSeq = start.seq + 1;
  let count = 0;
  let firstBad: number | null = problems.find((p) => p.seq !== null)?.seq ?? null;
  const bad = (seq: number, message: string) => {
    if (problems.some((p) => p.message === message)) return;
    problems.push({ where: 'chain', seq, message });
    if (firstBad === null || seq < firstBad) firstBad = seq;
  };
  let head: VerifyResult['head'] = null;
  const goodLists = new Set<string>();
  const goodBlobs = new Set<string>();
  for (const row of src.rows()) {
    count++;
    if (row.seq !== expectSeq) bad(expectSeq, `record seq ${expectSeq} is missing (next present is ${row.seq})`);
    let r: AuditRecord;
    try {
      r = src.recordAt(row.loc, row.seq);
    } catch (e) {
      bad(row.seq, `seq ${row.seq} cannot be read (${(e as Error).message}): modified or corrupted`);
      prev = null; // unknown: the next record's link cannot be checked
      expectSeq = row.seq + 1;
      continue;
    }
    if (prev !== null && r.prevHash !== prev) bad(r.seq, `seq ${r.seq} does not follow the previous record (prevHash mismatch)`);
    if (recordHash(r.prevHash, r as unknown as Record<string, unknown>) !== r.hash) bad(r.seq, `seq ${r.seq} was modified (hash mismatch)`);
    if (r.messages !== null && !goodLists.has(r.messages)) {
      const items = src.listItems(r.messages);
      let listHash = '';
      for (const it of items) listHash = sha256Hex(`${listHash}|${it.role}|${it.blob}`);
      let ok = listHash === r.messages;
      if (!ok) bad(r.seq, `the message list of seq ${r.seq} was modified or is missing`);
      for (const m of items) {
        if (goodBlobs.has(m.blob)) continue;
        const text = src.blobText(m.blob);
        if (text === null) bad(r.seq, `seq ${r.seq} references a missing message body`);
        else if (sha256Hex(text) !== m.blob) bad(r.seq, `a message body of seq ${r.seq} was modified`);
        else {
          goodBlobs.add(m.blob);
          continue;
        }
        ok = false;
      }
      if (ok) goodLists.add(r.messages);
    }
    prev = r.hash;
    expectSeq = r.seq + 1;
    head = { seq: r.seq, hash: r.hash };
  }
  // The index is not the only witness: every frame of every segment is read and
  // authenticated too (damage the index never points at is still damage), and every
  // record found there must be one the index knows.
  const indexed = new Set<number>();
  const gaps: ExchangeStart[] = [];
  for (const row of src.rows()) indexed.add(row.seq);
  let maxIndexed = 0;
  for (const seq of indexed) if (seq > maxIndexed) maxIndexed = seq;
  const list = src.segments.list();
  for (const n of list) {
    const jr = readJournal(src.segments.path(n), src.key);
    for (const issue of jr.issues) {
      // The newest segment may end in a frame being written right now (a reader beside the engine).
      if (issue.kind === 'torn-tail' && n === list[list.length - 1]) continue;
      const message = `segment ${n}: ${issue.detail} at byte ${issue.offset} (modified or corrupted)`;
      if (!problems.some((p) => p.message === message)) problems.push({ where: 'journal', seq: null, message });
    }
    for (const e of jr.entries) {
      if (!e.frame) continue;
      if (frameType(e.frame) === Frame.Gap) gaps.push(JSON.parse(e.frame.subarray(1).toString('utf8')) as ExchangeStart);
      for (const seq of recordSeqs(e.frame)) {
        // Past the indexed head at the end of the newest segment is an append in flight (a
        // live store) or one a crash cut before its index write (replayed at the next open).
        const inFlight = n === list[list.length - 1] && seq > maxIndexed;
        if (seq > start.seq && !indexed.has(seq) && !inFlight) bad(seq, `seq ${seq} is in segment ${n} but not in the index (modified or corrupted)`);
      }
    }
  }
  const cp = src.checkpoint;
  let checkpoint: VerifyResult['checkpoint'] = null;
  if (cp) {
    const validSig = checkpointValid(cp) && cp.publicKey === src.signerPublicKey;
    const keyDamaged = src.issues.some((i) => i.where === 'device-key');
    const row = src.hashAt(cp.seq);
    const beforePrune = cp.seq <= start.seq;
    const valid = validSig && (cp.seq === 0 || beforePrune || row === cp.hash);
    checkpoint = { seq: cp.seq, valid };
    if (!validSig && !keyDamaged) problems.push({ where: 'chain', seq: cp.seq, message: 'the signed checkpoint is not valid for this device' });
    else if (!validSig) {
      // The device key's damage is the problem already reported.
    }
    else if (beforePrune) {
      // The checkpoint predates pruning; the pruned boundary carries the chain on.
    } else if (cp.seq > 0 && row === undefined) bad(cp.seq, `records up to checkpointed seq ${cp.seq} are missing (the newest records were deleted)`);
    else if (cp.seq > 0 && row !== cp.hash) bad(cp.seq, `seq ${cp.seq} differs from the signed checkpoint`);
  }
  return { ok: problems.length === 0, records: count, head, firstBadSeq: firstBad, problems, checkpoint, gaps, cannotDetectOffline: CANNOT_DETECT_OFFLINE };
}
