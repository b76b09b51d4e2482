/**
 * Tamper evidence: canonical JSON (sorted keys, no whitespace) and the record hash chain
 * hash = SHA-256(prevHash || canonical(record without `hash`)). Pure.
 */
import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function recordHash(prevHash: string, record: Record<string, unknown>): string {
  const { hash: _omit, ...rest } = record;
  return createHash('sha256').update(prevHash).update(canonicalJson(rest)).digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
