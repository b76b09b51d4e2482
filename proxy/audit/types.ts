/** The audit store's shared shapes (no behaviour): what it reports, and what verify answers. */
import type { StoredMessage } from '../model/index.js';

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
