/**
 * `witness verify`'s receipt check (proxy/sync/verify.ts) on a real audit store: a receipted
 * head that is still in the chain passes; one whose record differs (rewritten after sync)
 * or is gone (the newest records deleted) is named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { keepReceipt, verifyReceipts } from '../../proxy/sync/index.js';

import { interaction } from '../helpers/interactions.js';

let dir: string;
let store: AuditStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-sync-verify-'));
  store = await AuditStore.open({ dataDir: dir, device: 'dev-v', user: 'alice' });
  for (let i = 0; i < 3; i++) await store.append(interaction());
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const receipt = (seq: number, hash: string) => ({ jws: 'unchecked', receipt: { v: 1 as const, device: 'dev-v', seq, hash, batchId: 'b', stored: 1, receivedAt: new Date().toISOString() } });

it('finds every receipted head in the local chain, and names the one that is not', async () => {
  keepReceipt(dir, receipt(2, store.recordsAfter(1, 1)[0]!.hash));
  expect(await verifyReceipts(store, dir, null)).toEqual({ receipts: 1, problems: [] });
  keepReceipt(dir, receipt(3, 'f'.repeat(64)));
  keepReceipt(dir, receipt(9, store.head.hash));
  const r = await verifyReceipts(store, dir, null);
  expect(r.problems.map((p) => [p.seq, p.message])).toEqual([
    [3, 'seq 3 differs from the head the server receipted (rewritten after sync)'],
    [9, 'receipted seq 9 is missing from the local chain (deleted after the server receipted it)'],
  ]);
});
