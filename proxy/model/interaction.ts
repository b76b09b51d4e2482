/**
 * The domain's central type: one Copilot interaction as Witness understood it, every text
 * field masked. Declared once as a zod schema; the engine, the audit store, the control
 * API, the UI and the central server all use this declaration. Imports only zod: this
 * file runs in the browser too.
 */
import { z } from 'zod';
import { RecordIdentitySchema } from './identity.js';
import { ApprovalReviewSchema } from './review.js';

/** Who sent a request: editor, plugin and Copilot's own correlation ids, from its headers. */
export const ClientInfoSchema = z.object({
  editor: z.string().nullable(),
  editorVersion: z.string().nullable(),
  plugin: z.string().nullable(),
  integrationId: z.string().nullable(),
  intent: z.string().nullable(),
  initiator: z.string().nullable(),
  interactionId: z.string().nullable(),
  requestId: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type ClientInfo = z.infer<typeof ClientInfoSchema>;

const MaskingTallySchema = z.object({ type: z.string(), where: z.enum(['request', 'response']), count: z.number() });

/** One Copilot interaction as Witness saw it. Every text field is the masked version. */
export const InteractionSchema = z.object({
  id: z.string(),
  time: z.string(),
  endpoint: z.enum(['completion', 'next-edit', 'chat', 'responses', 'messages', 'token', 'models', 'telemetry', 'other']),
  method: z.string(),
  host: z.string(),
  path: z.string(),
  plan: z.enum(['individual', 'business', 'enterprise', 'unknown']),
  model: z.string().nullable(),
  client: ClientInfoSchema,
  prompt: z.string(),
  context: z.array(z.string()),
  /** The whole conversation as sent (agent mode resends it every turn), masked. */
  messages: z.array(z.object({ role: z.string(), text: z.string() })),
  contextFiles: z.array(z.string()),
  toolsOffered: z.array(z.string()),
  response: z.string(),
  toolCalls: z.array(z.object({ index: z.number(), id: z.string().nullable(), name: z.string(), arguments: z.string() })),
  finishReason: z.string().nullable(),
  usage: z
    .object({ promptTokens: z.number().nullable(), completionTokens: z.number().nullable(), totalTokens: z.number().nullable(), cachedTokens: z.number().nullable() })
    .nullable(),
  maskings: z.array(MaskingTallySchema),
  notInspected: z.array(z.string()),
  /** What the record does not keep of a huge response (the client got it all); absent when nothing was cut. */
  truncated: z.array(z.string()).optional(),
  /** `cancelled`: the client left while a tool call was held (nothing ran, nobody denied it). */
  decision: z.enum(['allowed', 'masked', 'blocked', 'approved', 'denied', 'timed-out', 'cancelled']),
  /** Policy rules that decided (held, denied, blocked). */
  ruleIds: z.array(z.string()),
  /** Approval trail of held tool calls. */
  approvals: z.array(
    z.object({
      id: z.string().nullable(),
      tool: z.string(),
      argsHash: z.string().nullable(),
      verdict: z.enum(['pending', 'allowed', 'approved', 'denied', 'timed-out', 'cancelled']),
      ruleIds: z.array(z.string()),
      reasons: z.array(z.string()),
      requestedAt: z.string().nullable(),
      decidedAt: z.string().nullable(),
      approver: z.string().nullable(),
      /** The approver's verified identity when they were signed in (absent in older records). */
      approverIdentity: RecordIdentitySchema.nullable().optional(),
      reason: z.string().nullable(),
      /** A second review on the central server (policy `reviews`): its id, and whether a server-signed decision decided. */
      review: ApprovalReviewSchema.nullable().optional(),
    }),
  ),
  status: z.enum(['ok', 'upstream-error', 'client-abort', 'blocked']),
  httpStatus: z.number().nullable(),
  errors: z.array(z.string()),
  timings: z.object({ start: z.number(), firstByte: z.number().nullable(), firstToken: z.number().nullable(), end: z.number().nullable() }),
  /** Request and response headers, credentials `[REDACTED]`, other values masked (absent in records before 0.2). */
  headers: z.object({ request: z.array(z.tuple([z.string(), z.string()])), response: z.array(z.tuple([z.string(), z.string()])) }).optional(),
  /**
   * How the response streamed: [ms after start, response chars, tool-argument chars] so far,
   * one point per ≥16 ms (at most 1000), for replay at the recorded pace.
   */
  pace: z.array(z.tuple([z.number(), z.number(), z.number()])).optional(),
  /**
   * The version of the policy this exchange was judged by: SHA-256 (hex) of the effective
   * policy's canonical JSON, the policy in force when its request arrived (absent in older
   * records). The engine keeps each version's policy in DATA_DIR/policy-history/.
   */
  policyVersion: z.string().optional(),
  /**
   * Only on traffic Witness let through without looking (interception paused): why, the
   * pause that let it through (since when, by whom), and how many bytes passed each way.
   */
  /**
   * Who was signed in to Witness when the request arrived (verified ID-token claims), or
   * `signedIn: false` (absent in records made before sign-in existed). `user` stays the display name.
   */
  identity: RecordIdentitySchema.optional(),
  /**
   * The placeholder round trip: how many of this engine's own placeholders were turned back
   * into their values in the bytes sent to the editor (the record keeps the placeholders), and
   * how many were left as placeholders because their tag stands for two different secrets.
   * Absent when nothing was restored or left.
   */
  restoredForEditor: z.object({ restored: z.number(), collisions: z.number() }).optional(),
  unaudited: z
    .object({ reason: z.literal('interception-paused'), pausedSince: z.string(), pausedBy: z.string(), bytesSent: z.number(), bytesReceived: z.number() })
    .optional(),
});
export type Interaction = z.infer<typeof InteractionSchema>;

/** What is known of an exchange before (or without) reading its content: where it went and who sent it. */
export type InteractionOrigin = Pick<Interaction, 'id' | 'time' | 'endpoint' | 'method' | 'host' | 'path' | 'plan' | 'client'>;

/**
 * An interaction with nothing read from its content: no conversation, response, findings or
 * rule, allowed, not yet ended. Records of traffic Witness could not read (WebSocket frames,
 * tunnels while paused) and the window's row for a request still streaming start from it
 * and set what they know. `start` defaults to `time`.
 */
export function emptyInteraction(origin: InteractionOrigin, start = Date.parse(origin.time)): Interaction {
  return {
    id: origin.id,
    time: origin.time,
    endpoint: origin.endpoint,
    method: origin.method,
    host: origin.host,
    path: origin.path,
    plan: origin.plan,
    model: null,
    client: origin.client,
    prompt: '',
    context: [],
    messages: [],
    contextFiles: [],
    toolsOffered: [],
    response: '',
    toolCalls: [],
    finishReason: null,
    usage: null,
    maskings: [],
    notInspected: [],
    decision: 'allowed',
    ruleIds: [],
    approvals: [],
    status: 'ok',
    httpStatus: null,
    errors: [],
    timings: { start, firstByte: null, firstToken: null, end: null },
  };
}
