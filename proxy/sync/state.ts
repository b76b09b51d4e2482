/**
 * What the sync client keeps on disk (DATA_DIR/sync/): state.json (the server, the last
 * receipted head, whether this device is enrolled there) written atomically after each
 * receipt, and receipts.jsonl, every receipt the server signed, appended and fsynced before
 * the state moves on. `witness verify` reads the receipts back: every receipted head must
 * still be in the local chain. Holds no secret (receipts and heads are public facts).
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs.js';
import type { ReceiptPayload } from '../model/index.js';

export interface SyncState {
  v: 1;
  server: string;
  receipted: { seq: number; hash: string };
  lastReceiptAt: string | null;
  enrolled: { keyThumbprint: string; at: string } | null;
}

export interface KeptReceipt {
  jws: string;
  receipt: ReceiptPayload;
}

export const syncDir = (dataDir: string) => join(dataDir, 'sync');

export function readState(dataDir: string): SyncState | null {
  const f = join(syncDir(dataDir), 'state.json');
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as SyncState;
  } catch {
    return null;
  }
}

export function writeState(dataDir: string, s: SyncState): void {
  mkdirSync(syncDir(dataDir), { recursive: true, mode: 0o700 });
  writeAtomic(join(syncDir(dataDir), 'state.json'), JSON.stringify(s, null, 2) + '\n', 0o600);
}

export function keepReceipt(dataDir: string, r: KeptReceipt): void {
  mkdirSync(syncDir(dataDir), { recursive: true, mode: 0o700 });
  const f = join(syncDir(dataDir), 'receipts.jsonl');
  appendFileSync(f, JSON.stringify(r) + '\n', { mode: 0o600 });
  const fd = openSync(f, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readReceipts(dataDir: string): KeptReceipt[] {
  const f = join(syncDir(dataDir), 'receipts.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as KeptReceipt];
      } catch {
        return []; // a line torn by a crash mid-append: the state never moved past it
      }
    });
}
