/**
 * Helpers for the audit record (its type lives in model/record.ts): time-ordered ids and the
 * text the full-text index holds.
 */
import type { AuditRecord } from '../model/index.js';
import { pooledRandomBytes } from '../aead.js';

/** UUIDv7: 48-bit millisecond timestamp, then random bits (time-ordered ids). */
export function uuidv7(nowMs = Date.now()): string {
  const b = pooledRandomBytes(16);
  b.writeUIntBE(Math.floor(nowMs), 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * How much of each field the full-text index takes (characters). Indexing is one call into
 * sql.js that no one can slice: a megabyte answer held the event loop for ~80 ms (256 K: ~30 ms) on a busy
 * machine. Search finds words in the first this-many characters of a prompt, an answer and
 * the tool calls; the record itself keeps all it keeps (docs/audit.md).
 */
export const MAX_INDEXED_CHARS = 64 * 1024;

/** Text indexed for full-text search: masked prompt, response and tool calls, each bounded. */
export function searchText(r: Pick<AuditRecord, 'prompt' | 'response' | 'toolCalls'>) {
  const cap = (t: string) => (t.length > MAX_INDEXED_CHARS ? t.slice(0, MAX_INDEXED_CHARS) : t);
  return {
    prompt: cap(r.prompt),
    response: cap(r.response),
    tools: cap(r.toolCalls.map((c) => `${c.name} ${c.arguments}`).join('\n')),
  };
}
