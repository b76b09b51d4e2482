/**
 * The audit record (schema version 1): an Interaction with its place in the hash chain.
 * Stored, message bodies are content-addressed (`messages` = the hash of the stored list);
 * exported or served, they are resolved to text. The record hash covers the list hash, so
 * it covers the text too. Imports only zod and this folder.
 */
import { z } from 'zod';
import { InteractionSchema, type Interaction } from './interaction.js';

export const RECORD_VERSION = 1;

/** A stored audit record (schema v1), message bodies resolved: what export and the API give. */
export const AuditRecordSchema = InteractionSchema.extend({
  v: z.number(),
  seq: z.number(),
  device: z.string(),
  user: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
/** A record as exported: message texts resolved. */
export type ExportedRecord = z.infer<typeof AuditRecordSchema>;

/** Export formats of the audit trail: JSON Lines, HTTP Archive 1.2, OCSF 1.1 API Activity. */
export const EXPORT_FORMATS = ['jsonl', 'har', 'ocsf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One message of a stored conversation: its role and the SHA-256 of its text. */
export interface StoredMessage {
  role: string;
  blob: string;
}

/** A record as stored: the conversation by the hash of its list node. */
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
