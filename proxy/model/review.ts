/**
 * The second reviewer's wire contract, declared once (zod) for the engine, the server and
 * the UIs: a device forwards a held call that policy sends to a reviewer group (device-signed
 * JWS, masked preview only), waits for it, or withdraws it; a reviewer lists and decides; the
 * server signs each decision (JWS, EdDSA, its `sig` key) bound to the device, the hold and the
 * exact argument hash. Browser-safe: zod and this folder only.
 */
import { z } from 'zod';
import { RecordIdentitySchema } from './identity.js';

/** JWS `typ` of a device's review request (open / wait / withdraw) and of the server's signed decision. */
export const REVIEW_REQUEST_TYP = 'witness-review-request+jws';
export const REVIEW_DECISION_TYP = 'witness-review+jws';

const hash = z.string().regex(/^[0-9a-f]{64}$/);
const id = z.string().min(1).max(100);

/** What a device signs to forward a hold (`POST /api/v1/reviews`). */
export const ReviewOpenSchema = z.object({
  v: z.literal(1),
  op: z.literal('open'),
  device: z.string().min(1).max(200),
  at: z.string(),
  /** The engine's approval id: a decision names it. */
  hold: id,
  tool: z.string().min(1).max(200),
  /** The call's arguments as policy judged them: masked, never a secret. */
  preview: z.string().max(64 * 1024),
  ruleId: z.string().min(1).max(300),
  reasons: z.array(z.string().max(1000)).max(50),
  group: z.string().min(1).max(200),
  argsHash: hash,
  requester: RecordIdentitySchema,
  expiresAt: z.string(),
});
export type ReviewOpen = z.infer<typeof ReviewOpenSchema>;

/** Long-poll for a decision (`POST /api/v1/reviews/:id/wait`) or take the review back (`…/withdraw`). */
export const ReviewWaitSchema = z.object({ v: z.literal(1), op: z.literal('wait'), device: z.string().min(1).max(200), at: z.string(), review: id });
export const ReviewWithdrawSchema = z.object({
  v: z.literal(1),
  op: z.literal('withdraw'),
  device: z.string().min(1).max(200),
  at: z.string(),
  review: id,
  /** `timeout`: nobody decided in time on the device; `withdrawn`: the client left, Witness stopped, or a local denial. */
  state: z.enum(['timeout', 'withdrawn']),
  reason: z.string().max(1000),
});
export const ReviewDeviceRequestSchema = z.discriminatedUnion('op', [ReviewOpenSchema, ReviewWaitSchema, ReviewWithdrawSchema]);
export type ReviewDeviceRequest = z.infer<typeof ReviewDeviceRequestSchema>;

export const REVIEW_STATES = ['pending', 'approved', 'denied', 'timeout', 'withdrawn'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** A reviewer's decision (`POST /api/v1/reviews/:id/decision`): the hash they saw must be the held one. */
export const ReviewDecisionRequestSchema = z
  .object({ decision: z.enum(['approve', 'deny']), argsHash: hash, reason: z.string().max(1000).nullable().optional() })
  .strict();
export type ReviewDecisionRequest = z.infer<typeof ReviewDecisionRequestSchema>;

/** What the server signs for a decision: the engine releases only a call whose hold and hash it names. */
export const ReviewDecisionPayloadSchema = z.object({
  v: z.literal(1),
  review: id,
  device: z.string(),
  hold: id,
  argsHash: hash,
  decision: z.enum(['approve', 'deny']),
  reviewer: RecordIdentitySchema,
  reason: z.string().nullable(),
  decidedAt: z.string(),
});
export type ReviewDecisionPayload = z.infer<typeof ReviewDecisionPayloadSchema>;

/** A review as the server lists it (`GET /api/v1/reviews`, public contract). */
export const ReviewSchema = z.object({
  id,
  device: z.string(),
  hold: id,
  tool: z.string(),
  preview: z.string(),
  ruleId: z.string(),
  reasons: z.array(z.string()),
  group: z.string(),
  argsHash: z.string(),
  requester: RecordIdentitySchema,
  requestedAt: z.string(),
  expiresAt: z.string(),
  state: z.enum(REVIEW_STATES),
  decidedAt: z.string().nullable(),
  reviewer: RecordIdentitySchema.nullable(),
  reason: z.string().nullable(),
  /** The signed decision (compact JWS), once decided. */
  decision: z.string().nullable(),
});
export type Review = z.infer<typeof ReviewSchema>;

export const ReviewListSchema = z.object({ items: z.array(ReviewSchema) });

/** The answer to a device's wait: the state, and the signed decision once there is one. */
export const ReviewWaitResponseSchema = z.object({ id, state: z.enum(REVIEW_STATES), decision: z.string().nullable() });
export type ReviewWaitResponse = z.infer<typeof ReviewWaitResponseSchema>;

/** Where a hold's second review stands, on the engine's approval and in the record's approval trail. */
export const ApprovalReviewSchema = z.object({
  ruleId: z.string(),
  group: z.string(),
  /** The server's review id once forwarded (null: never reached the server). */
  id: z.string().nullable(),
  /** true once a decision signed by the pinned server key, bound to this hold and hash, decided it. */
  serverSigned: z.boolean(),
  /** Why the review could not be had or a decision was refused (server down, signed out, wrong hash…); null: none. */
  problem: z.string().nullable(),
});
export type ApprovalReview = z.infer<typeof ApprovalReviewSchema>;
