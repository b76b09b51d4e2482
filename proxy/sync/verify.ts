/**
 * `witness verify`'s sync part: every head the server receipted must still be in the local
 * chain with the same hash (a local rewrite or deletion after sync is found offline too),
 * unless retention pruned past it, which it may only do once receipted. Each receipt's
 * signature is checked against the pinned server keys when they are at hand.
 */
import type { AuditStore } from '../audit/index.js';
import { readReceipts } from './state.js';
import { openReceipt, type PinnedKeys } from './wire.js';

export interface ReceiptProblem {
  seq: number;
  message: string;
}

export async function verifyReceipts(store: AuditStore, dataDir: string, keys: PinnedKeys | null): Promise<{ receipts: number; problems: ReceiptProblem[] }> {
  const kept = readReceipts(dataDir);
  const problems: ReceiptProblem[] = [];
  const pruned = store.pruned;
  for (const k of kept) {
    if (keys) {
      try {
        const signed = await openReceipt(k.jws, keys);
        if (signed.seq !== k.receipt.seq || signed.hash !== k.receipt.hash) problems.push({ seq: k.receipt.seq, message: `the kept receipt for seq ${k.receipt.seq} does not match its signed content` });
      } catch {
        problems.push({ seq: k.receipt.seq, message: `the receipt for seq ${k.receipt.seq} is not signed by the pinned server key` });
        continue;
      }
    }
    const { seq, hash } = k.receipt;
    if (seq <= pruned.seq) {
      if (seq === pruned.seq && hash !== pruned.hash) problems.push({ seq, message: `receipted seq ${seq} differs from the pruning boundary` });
      continue;
    }
    const local = store.recordsAfter(seq - 1, 1)[0];
    if (!local || local.seq !== seq) problems.push({ seq, message: `receipted seq ${seq} is missing from the local chain (deleted after the server receipted it)` });
    else if (local.hash !== hash) problems.push({ seq, message: `seq ${seq} differs from the head the server receipted (rewritten after sync)` });
  }
  return { receipts: kept.length, problems };
}
