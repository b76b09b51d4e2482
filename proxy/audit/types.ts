/** The audit store's shared shapes (no behaviour): how it is opened, what it reports, and what verify answers. */
import type { DeviceSigner } from '../identity/index.js';
import type { Logger } from '../log.js';
import type { StoredMessage } from '../model/index.js';
import type { JournalIo } from './journal.js';
import type { KeyProvider } from './keyring.js';

export interface AuditStoreOptions {
  dataDir: string;
  keyProvider?: KeyProvider;
  log?: Logger;
  /** Read-only (CLI search/export/verify while an engine may be writing). */
  readOnly?: boolean;
  /** Snapshot the index after this many appends (default 5000): bounds the replay at start. */
  compactEvery?: number;
  /**
   * Retention hook: may records up to and including `seq` be deleted? The sync client
   * answers "only once the central server has acknowledged them". Default: yes.
   */
  canPrune?: (seq: number) => boolean;
  /** Who and where, for new records (default: the OS user and DATA_DIR/device.json). */
  user?: string;
  device?: string;
  /** Signs checkpoints with the device key (default: `device.key` from DATA_DIR/keys, see identity/device-key.ts). */
  signer?: DeviceSigner;
  /** Why the caller's device key could not be used (a new one was made): listed in `issues`, named by verify. */
  signerProblem?: string | null;
  /** Start a new segment past this many bytes (default 64 MB). */
  segmentBytes?: number;
  /** Snapshot chunk size (default 1 MB; tests use small ones). */
  snapshotChunkBytes?: number;
  /** How frames reach the file (tests: one that fails like a full disk). */
  io?: JournalIo;
  /** Told when records cannot be kept any more, and when they can again. */
  onHealth?: (state: StoreHealth) => void;
  /** While records cannot be written: how often writing is tried without an append (default 5 s). */
  probeMs?: number;
}

export interface StoreIssue {
  where: 'journal' | 'snapshot' | 'chain' | 'device-key';
  seq: number | null;
  message: string;
}

/** Whether records can be kept now. */
export interface StoreHealth {
  ok: boolean;
  /** Since when writing fails (ISO time), and why; null while ok. */
  since: string | null;
  problem: string | null;
  /** Interactions that could not be recorded during the last (or current) failure. */
  unrecorded: number;
}

/** What is known of an exchange when it starts (the path masked). */
export interface ExchangeStart {
  id: string;
  time: string;
  method: string;
  host: string;
  path: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  head: { seq: number; hash: string } | null;
  firstBadSeq: number | null;
  problems: StoreIssue[];
  checkpoint: { seq: number; valid: boolean } | null;
  /** Exchanges a crashed run started but never recorded (gap frames written at the next start). */
  gaps: ExchangeStart[];
  /** What no check on this machine alone can find (the central server's anchor can). */
  cannotDetectOffline: string[];
}

export const CANNOT_DETECT_OFFLINE = [
  'records cut from the end after the last signed checkpoint (a tail cut after a crash looks the same as no more records)',
  'a consistent rollback of segments, snapshot and checkpoint together to an earlier state',
  'a whole store replaced by another one made with the same keys',
];

/** A conversation's messages after a prefix already stored (a List frame). */
export interface ListNode {
  hash: string;
  parent: string | null;
  items: StoredMessage[];
}
