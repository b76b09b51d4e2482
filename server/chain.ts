/**
 * Checks a batch's records on their own, before the database is asked anything: consecutive
 * seqs from `from`, each record hashed as the device's store hashed it (model/node.ts, the
 * same code), each linked to the one before, the conversation's text matching the list hash
 * the record covers, and every record from the device that signed the batch. Pure.
 */
import type { BatchPayload, SyncErrorCode } from '../proxy/model/index.js';
import { recordHash, sha256Hex } from '../proxy/model/node.js';

export class IngestRefusal extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The hash of a stored message list (prefix-chained over role and body hash, as the store builds it). */
export function messageListHash(messages: ReadonlyArray<{ role: string; text: string }>): string | null {
  if (messages.length === 0) return null;
  let h = '';
  for (const m of messages) h = sha256Hex(`${h}|${m.role}|${sha256Hex(m.text)}`);
  return h;
}

export function checkBatchChain(batch: BatchPayload): void {
  let prev = batch.from.hash;
  let seq = batch.from.seq;
  for (const { record, messages } of batch.records) {
    const r = record as { seq?: unknown; prevHash?: unknown; hash?: unknown; device?: unknown; messages?: unknown; id?: unknown; time?: unknown };
    if (typeof r.seq !== 'number' || typeof r.hash !== 'string' || typeof r.prevHash !== 'string' || typeof r.id !== 'string' || typeof r.time !== 'string')
      throw new IngestRefusal('RECORD_INVALID', `a record of batch ${batch.batchId} lacks seq, id, time, prevHash or hash`, 422);
    if (r.device !== batch.device) throw new IngestRefusal('RECORD_INVALID', `record seq ${r.seq} belongs to device "${String(r.device)}", not to "${batch.device}" that signed the batch`, 422);
    if (r.seq !== seq + 1) throw new IngestRefusal('CHAIN_GAP', `the batch skips from seq ${seq} to seq ${r.seq}: records ${seq + 1}..${r.seq - 1} are missing`, 409);
    if (r.prevHash !== prev) throw new IngestRefusal('CHAIN_FORK', `record seq ${r.seq} does not follow seq ${seq} (prevHash differs): the chain was rewritten`, 409);
    if (recordHash(r.prevHash, record) !== r.hash) throw new IngestRefusal('RECORD_INVALID', `record seq ${r.seq} does not match its hash (modified after it was written)`, 422);
    if ((r.messages ?? null) !== messageListHash(messages)) throw new IngestRefusal('RECORD_INVALID', `the conversation sent with record seq ${r.seq} is not the one its hash covers`, 422);
    prev = r.hash;
    seq = r.seq;
  }
}
