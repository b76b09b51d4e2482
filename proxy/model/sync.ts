/**
 * The sync wire contract between a device's engine and the central server, declared once
 * (zod) for both sides: the batch a device signs and encrypts, the server's signed receipt,
 * enrolment, the server's refusals, the sync state that `witness status --json` shows, and
 * the server's record search page. Imports only zod and this folder (browser-safe).
 */
import { z } from 'zod';
import { RecordIdentitySchema } from './identity.js';
import { SearchHitSchema } from './search.js';

/** JWS `typ` of a device's batch and of the server's receipt. */
export const BATCH_TYP = 'witness-batch+jws';
export const RECEIPT_TYP = 'witness-receipt+jws';

/** One record as the device stored it (its hash covers this form) and its conversation's text. */
export const BatchRecordSchema = z.object({
  record: z.record(z.string(), z.unknown()),
  messages: z.array(z.object({ role: z.string(), text: z.string() })),
});
export type BatchRecord = z.infer<typeof BatchRecordSchema>;

/** The plaintext inside a batch's JWE: consecutive records that continue the chain from `from`. */
export const BatchPayloadSchema = z.object({
  v: z.literal(1),
  batchId: z.string().min(8).max(64),
  device: z.string().min(1).max(200),
  createdAt: z.string(),
  /** The chain head this batch continues from: the server's anchored head (seq 0 and GENESIS for a new chain). */
  from: z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  records: z.array(BatchRecordSchema).min(1).max(2000),
});
export type BatchPayload = z.infer<typeof BatchPayloadSchema>;

/** What the server signs (JWS, EdDSA) when it anchors a device's new head. */
export const ReceiptPayloadSchema = z.object({
  v: z.literal(1),
  device: z.string(),
  seq: z.number().int(),
  hash: z.string(),
  batchId: z.string(),
  stored: z.number().int(),
  receivedAt: z.string(),
});
export type ReceiptPayload = z.infer<typeof ReceiptPayloadSchema>;

/** Stable codes of the server's refusals (each recorded as a security event where it concerns a device). */
export const SYNC_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_REQUEST',
  'NOT_FOUND',
  'DEVICE_UNKNOWN',
  'DEVICE_REVOKED',
  'DEVICE_ENROLLED',
  'DEVICE_KEY_MISMATCH',
  'BATCH_SIGNATURE_INVALID',
  'BATCH_MALFORMED',
  'BATCH_UNDECRYPTABLE',
  'BATCH_REPLAY',
  'BATCH_DUPLICATE',
  'CHAIN_GAP',
  'CHAIN_FORK',
  'RECORD_INVALID',
] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

/** The server's error body; a duplicate batch carries the receipt of the head already anchored. */
export const ServerErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
  receipt: z.string().optional(),
});
export type ServerError = z.infer<typeof ServerErrorSchema>;

export const IngestResponseSchema = z.object({ receipt: z.string(), seq: z.number(), hash: z.string(), stored: z.number() });
export type IngestResponse = z.infer<typeof IngestResponseSchema>;

/** Enrolment: the signed-in user binds this device id to its public key (a JWK, Ed25519). */
export const EnrolRequestSchema = z
  .object({
    device: z.string().min(1).max(200),
    publicKey: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(40).max(50) }),
    /** Replace the key of a device already enrolled (explicit; the old key stops being accepted). */
    reenrol: z.boolean().optional(),
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequestSchema>;

export const DeviceSchema = z.object({
  device: z.string(),
  ownerSub: z.string(),
  ownerEmail: z.string().nullable(),
  enrolledAt: z.string(),
  revokedAt: z.string().nullable(),
  head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
});
export type Device = z.infer<typeof DeviceSchema>;

/** `witness status --json` → `sync` (public contract). */
export const SyncStatusSchema = z.object({
  server: z.string().nullable(),
  state: z.enum(['off', 'enrolling', 'idle', 'sending', 'backoff', 'error']),
  receiptedSeq: z.number(),
  waiting: z.number(),
  lastReceiptAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;

/** The server's search: the engine's query plus `device`. */
export const ServerSearchQuerySchema = z
  .object({
    q: z.string().max(500).optional(),
    user: z.string().optional(),
    device: z.string().optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    client: z.string().optional(),
    model: z.string().optional(),
    endpoint: z.string().optional(),
    decision: z.string().optional(),
    status: z.string().optional(),
    masked: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().optional(),
  })
  .strict();
export type ServerSearchQuery = z.input<typeof ServerSearchQuerySchema>;

/** A server search hit: the engine's hit plus where it came from and who was signed in. */
export const ServerSearchHitSchema = SearchHitSchema.extend({ device: z.string(), identity: RecordIdentitySchema.nullable() });
export type ServerSearchHit = z.infer<typeof ServerSearchHitSchema>;

export const ServerSearchPageSchema = z.object({ items: z.array(ServerSearchHitSchema), nextBefore: z.number().nullable(), total: z.number() });
export type ServerSearchPage = z.infer<typeof ServerSearchPageSchema>;
