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
  'CHECKIN_REPLAY',
  'POLICY_INVALID',
  'REVIEWER_NOT_IN_GROUP',
  'SELF_REVIEW_REFUSED',
  'REVIEW_CLOSED',
  'REVIEW_STALE',
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
  /** The central policy layer from the server: the version in force, and why the last bundle was refused (null: it was not). */
  centralPolicy: z.object({ version: z.number().nullable(), problem: z.string().nullable() }).optional(),
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
    /** A tool the model called, by name (e.g. run_in_terminal). */
    tool: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().optional(),
  })
  .strict();
export type ServerSearchQuery = z.input<typeof ServerSearchQuerySchema>;

/** A server search hit: the engine's hit plus where it came from and who was signed in. */
export const ServerSearchHitSchema = SearchHitSchema.extend({ device: z.string(), identity: RecordIdentitySchema.nullable() });
export type ServerSearchHit = z.infer<typeof ServerSearchHitSchema>;

export const ServerSearchPageSchema = z.object({
  items: z.array(ServerSearchHitSchema),
  nextBefore: z.number().nullable(),
  total: z.number(),
  /** Present (true) when more records match than the server counts (10,000): `total` is then a lower bound. */
  totalCapped: z.boolean().optional(),
});
export type ServerSearchPage = z.infer<typeof ServerSearchPageSchema>;

/** JWS `typ` of a device's check-in and of the server's signed central policy bundle. */
export const CHECKIN_TYP = 'witness-checkin+jws';
export const POLICY_TYP = 'witness-policy+jws';

/** What a device signs (JWS, EdDSA, its key) when it checks in: what it runs and what waits. */
export const CheckInPayloadSchema = z.object({
  v: z.literal(1),
  device: z.string().min(1).max(200),
  /** The device's clock; each check-in must be later than the last one the server accepted (no replay). */
  at: z.string(),
  version: z.string().max(100),
  /** The central policy version in force on the device (null: none yet). */
  policyVersion: z.number().int().nullable(),
  waiting: z.number().int().min(0),
  /** Seconds since the oldest record not yet receipted was written (0 when none waits). */
  syncLag: z.number().min(0),
  /** Why the last central policy bundle was refused, if it was (the server keeps it as a security event). */
  policyProblem: z.string().max(1000).nullable(),
  // What the engine itself reports for fleet health (engines before the console send none of these).
  /** Interception paused on the device (Copilot traffic tunnelled unaudited meanwhile). */
  interceptionPaused: z.boolean().nullable().optional(),
  /** When the device's Witness CA expires (ISO). */
  caExpiresAt: z.string().max(40).nullable().optional(),
  /** Recent TLS handshakes refused by a client because it does not trust the Witness CA. */
  tlsFailures: z.number().int().min(0).nullable().optional(),
  /** Since the engine started: exchanges intercepted, and connections tunnelled unaudited. */
  traffic: z.object({ intercepted: z.number().int().min(0), tunnelled: z.number().int().min(0) }).nullable().optional(),
});
export type CheckInPayload = z.infer<typeof CheckInPayloadSchema>;

/** The server's answer to a check-in: the signed bundle when the device's version is not the current one. */
export const CheckInResponseSchema = z.object({ policy: z.object({ version: z.number().int(), bundle: z.string() }).nullable() });
export type CheckInResponse = z.infer<typeof CheckInResponseSchema>;

/** The payload the server signs for a central policy version (JWS, EdDSA, its `sig` key, typ POLICY_TYP). */
export const PolicyBundlePayloadSchema = z.object({
  v: z.literal(1),
  version: z.number().int().min(1),
  policy: z.record(z.string(), z.unknown()),
  publishedAt: z.string(),
  publishedBy: z.string(),
});
export type PolicyBundlePayload = z.infer<typeof PolicyBundlePayloadSchema>;

/** `GET /api/v1/policy` (public contract): the current central layer (version 0, empty: none published). */
export const CentralPolicySchema = z.object({
  version: z.number().int(),
  policy: z.record(z.string(), z.unknown()),
  publishedAt: z.string().nullable(),
  publishedBy: z.string().nullable(),
  bundle: z.string().nullable(),
});
export type CentralPolicy = z.infer<typeof CentralPolicySchema>;

export const FLEET_STATES = ['online', 'offline', 'missing', 'never-synced', 'chain-broken'] as const;

/** `GET /api/v1/devices` item (public contract). */
export const FleetDeviceSchema = z.object({
  device: z.string(),
  user: z.string(),
  version: z.string().nullable(),
  lastSeen: z.string().nullable(),
  state: z.enum(FLEET_STATES),
  /** Seconds, as the device last reported it (null: never reported). */
  syncLag: z.number().nullable(),
  waiting: z.number().nullable(),
  chain: z.enum(['none', 'anchored', 'gap', 'fork']),
  policyVersion: z.number().nullable(),
  head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
  enrolledAt: z.string(),
  revokedAt: z.string().nullable(),
  /** From the device's last check-in; null until an engine that reports them checked in. */
  interceptionPaused: z.boolean().nullable(),
  caExpiresAt: z.string().nullable(),
  tlsFailures: z.number().nullable(),
  traffic: z.object({ intercepted: z.number(), tunnelled: z.number() }).nullable(),
});
export type FleetDevice = z.infer<typeof FleetDeviceSchema>;

/** `GET /api/v1/exports` item (public contract): a SIEM destination's progress (docs/server.md). */
export const SiemExportStatusSchema = z.object({
  name: z.string(),
  kind: z.enum(['otlp', 'ocsf']),
  /** Without user info or query: either may hold a credential. */
  url: z.string(),
  cursor: z.number(),
  delivered: z.number(),
  pending: z.number(),
  deadLetters: z.number(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastDeliveredAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});
export type SiemExportStatus = z.infer<typeof SiemExportStatusSchema>;

/** `GET /api/v1/exports/:name/dead-letters` item: a record a destination refused for good. */
export const SiemDeadLetterSchema = z.object({ recordId: z.string(), status: z.number().nullable(), error: z.string(), at: z.string() });
export type SiemDeadLetter = z.infer<typeof SiemDeadLetterSchema>;
