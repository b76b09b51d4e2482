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

/** Text indexed for full-text search: masked prompt, response and tool calls. */
export function searchText(r: Pick<AuditRecord, 'prompt' | 'response' | 'toolCalls'>) {
  return {
    prompt: r.prompt,
    response: r.response,
    tools: r.toolCalls.map((c) => `${c.name} ${c.arguments}`).join('\n'),
  };
}
