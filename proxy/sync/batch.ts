/**
 * The outbox, read from the audit store: the records after the last receipted head, as a
 * batch payload (each record as stored, so the server recomputes the same hash, with its
 * conversation's text). Nothing is copied aside: the store is the outbox, so a restart or
 * a kill loses nothing and the next batch starts where the last receipt ended.
 */
import { randomUUID } from 'node:crypto';
import type { AuditStore } from '../audit/index.js';
import type { BatchPayload } from '../model/index.js';

export function nextBatch(store: AuditStore, from: { seq: number; hash: string }, max: number): BatchPayload | null {
  const records = store.recordsAfter(from.seq, max);
  if (!records.length) return null;
  return {
    v: 1,
    batchId: randomUUID(),
    device: store.device,
    createdAt: new Date().toISOString(),
    from,
    records: records.map((r) => ({ record: r as unknown as Record<string, unknown>, messages: store.resolve(r).messages })),
  };
}
