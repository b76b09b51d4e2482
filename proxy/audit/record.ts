/**
 * The audit record (schema version 1): one Copilot interaction, masked, chained.
 * Message bodies are stored content-addressed (`messages[].blob` = SHA-256 of the text);
 * the record hash covers those hashes, so it covers the text too.
 */
import { pooledRandomBytes } from './aead.js';
import type { Interaction } from '../control/index.js';

export const RECORD_VERSION = 1;

export interface StoredMessage {
  role: string;
  blob: string;
}

export interface AuditRecord extends Omit<Interaction, 'messages'> {
  v: number;
  seq: number;
  device: string;
  user: string;
  /** Hash of the stored message list (prefix-chained, content-addressed), or null. */
  messages: string | null;
  prevHash: string;
  hash: string;
}

/** A record as exported: message texts resolved. */
export interface ExportedRecord extends Omit<AuditRecord, 'messages'> {
  messages: Array<{ role: string; text: string }>;
}

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
