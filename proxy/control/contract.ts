/**
 * The control API contract: the one declaration of every method and event, as runtime
 * schemas. The engine's handlers, the CLI and the UI client are all typed from it.
 * This file imports only zod, so the browser UI can import it too.
 */
import { z } from 'zod';

export const API_PREFIX = '/api/v1';

export const CaSummarySchema = z.object({
  subject: z.string(),
  fingerprint256: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  permittedSubtrees: z.array(z.string()),
});

export const CountersSchema = z.object({
  intercepted: z.number(),
  tunnelled: z.number(),
  plainHttp: z.number(),
  websocketsRefused: z.number(),
  /** WebSocket upgrades to intercepted hosts let through unaudited (intercept.websockets "passthrough"); each is also an audit record. */
  websocketsPassedThrough: z.number(),
  /** Requests for /proxy.pac, 304 answers included. */
  pacRequests: z.number(),
  refusedPeers: z.number(),
  /** TLS handshakes with clients that failed (a client that does not trust the Witness CA lands here). */
  tlsClientErrors: z.number(),
  /** Handshakes completed and closed without a request (pools, probes): not failures. */
  tlsHandshakesWithoutRequest: z.number(),
});

/** A TLS handshake with a client that failed, with the name it asked for and when. */
export const TlsFailureSchema = z.object({
  time: z.string(),
  sni: z.string().nullable(),
  cause: z.enum(['cert-rejected', 'no-shared-cipher', 'reset', 'handshake-timeout', 'unknown']),
});

/**
 * One sentence for every surface (status, Setup, window header, tray): "ok" (traffic is
 * intercepted), "idle" (none seen yet) or "warn" (clients reject the Witness CA since the
 * last successful request; the message says what to run).
 */
export const HealthSchema = z.object({ level: z.enum(['ok', 'idle', 'warn']), message: z.string() });

export const StatusSchema = z.object({
  version: z.string(),
  pid: z.number(),
  startedAt: z.string(),
  dataDir: z.string(),
  proxy: z.object({ url: z.string(), host: z.string(), port: z.number(), pacUrl: z.string() }),
  control: z.object({ url: z.string() }),
  ca: CaSummarySchema.extend({ next: CaSummarySchema.nullable() }),
  intercept: z.object({ hosts: z.array(z.string()), websockets: z.enum(['refuse', 'passthrough']) }),
  counters: CountersSchema,
  lastInterceptedAt: z.string().nullable(),
  audit: z.object({ records: z.number(), headSeq: z.number(), issues: z.array(z.string()) }),
  /** Recent TLS handshake failures (newest last) and how many came after the last successful request. */
  tls: z.object({ recentFailures: z.array(TlsFailureSchema), rejectedSinceLastSuccess: z.number(), windowMinutes: z.number() }),
  health: HealthSchema,
});
export type Status = z.infer<typeof StatusSchema>;

export const TimingsSchema = z.object({
  start: z.number().describe('epoch ms'),
  headers: z.number().nullable(),
  firstByte: z.number().nullable(),
  end: z.number().nullable(),
});

export const ExchangeStartedSchema = z.object({
  id: z.string(),
  method: z.string(),
  host: z.string(),
  path: z.string(),
  start: z.number(),
});

export const ExchangeCompletedSchema = z.object({
  id: z.string(),
  method: z.string(),
  host: z.string(),
  path: z.string(),
  status: z.number().nullable(),
  outcome: z.enum(['ok', 'client-abort', 'upstream-error', 'refused']),
  timings: TimingsSchema,
  bytes: z.object({ fromUpstream: z.number(), toClient: z.number() }),
  notInspected: z.string().nullable(),
  error: z.string().nullable(),
});

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

export const MaskingTallySchema = z.object({ type: z.string(), where: z.enum(['request', 'response']), count: z.number() });

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
  decision: z.enum(['allowed', 'masked', 'blocked', 'approved', 'denied', 'timed-out']),
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
      reason: z.string().nullable(),
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
});
export type Interaction = z.infer<typeof InteractionSchema>;

/** A stored audit record (schema v1), message bodies resolved. */
export const AuditRecordSchema = InteractionSchema.extend({
  v: z.number(),
  seq: z.number(),
  device: z.string(),
  user: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

export const SearchQuerySchema = z
  .object({
    q: z.string().max(500).optional().describe('full-text query over masked prompt, response and tool calls (FTS4 syntax)'),
    since: z.string().optional().describe('ISO time or epoch ms; records at or after'),
    until: z.string().optional().describe('ISO time or epoch ms; records at or before'),
    user: z.string().optional(),
    client: z.string().optional().describe('editor, e.g. "VS Code"'),
    model: z.string().optional(),
    endpoint: z.string().optional(),
    decision: z.string().optional(),
    status: z.string().optional(),
    masked: z.union([z.boolean(), z.enum(['true', 'false'])]).optional().describe('only records with (true) or without (false) masked secrets'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().optional().describe('cursor: return records with seq below this'),
  })
  .strict();

export const SearchHitSchema = z.object({
  seq: z.number(),
  id: z.string(),
  time: z.string(),
  user: z.string(),
  client: z.string().nullable(),
  endpoint: z.string(),
  model: z.string().nullable(),
  decision: z.string(),
  status: z.string(),
  maskings: z.number(),
  prompt: z.string(),
  response: z.string(),
  toolCalls: z.array(z.string()),
});
export const SearchPageSchema = z.object({ items: z.array(SearchHitSchema), nextBefore: z.number().nullable(), total: z.number() });

export const ApprovalSchema = z.object({
  id: z.string(),
  exchangeId: z.string(),
  host: z.string(),
  client: z.string().nullable(),
  requester: z.string(),
  tool: z.string(),
  arguments: z.string(),
  argsHash: z.string(),
  operation: z.object({
    tool: z.string(),
    class: z.string(),
    paths: z.array(z.object({ path: z.string(), action: z.string() })),
    commands: z.array(z.string()),
    urls: z.array(z.string()),
    unparsable: z.boolean(),
    previews: z.array(
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('replace'), file: z.string(), oldText: z.string(), newText: z.string() }),
        z.object({ kind: z.literal('patch'), text: z.string() }),
        z.object({ kind: z.literal('create'), file: z.string(), content: z.string() }),
        z.object({ kind: z.literal('command'), command: z.string() }),
        z.object({ kind: z.literal('urls'), urls: z.array(z.string()) }),
      ]),
    ),
  }),
  ruleIds: z.array(z.string()),
  reasons: z.array(z.string()),
  requestedAt: z.string(),
  expiresAt: z.string(),
  defaultDecision: z.enum(['approve', 'deny']),
  status: z.enum(['pending', 'approved', 'denied', 'timed-out', 'cancelled']),
  decidedAt: z.string().nullable(),
  approver: z.string().nullable(),
  reason: z.string().nullable(),
});
export type ApprovalView = z.infer<typeof ApprovalSchema>;

/** Every event the stream can carry, by type. */
export const EventSchemas = {
  'exchange.started': ExchangeStartedSchema,
  'exchange.completed': ExchangeCompletedSchema,
  /** A finished interaction (as it is about to be stored), with who asked. */
  'interaction.completed': InteractionSchema.extend({ user: z.string() }),
  'record.stored': z.object({ id: z.string(), seq: z.number(), hash: z.string() }),
  /** A request was inspected and forwarded: who asked what (masked). */
  'interaction.started': InteractionSchema.pick({ id: true, time: true, endpoint: true, host: true, path: true, model: true, client: true, prompt: true, decision: true }).extend({
    user: z.string(),
  }),
  /** Masked response text / tool-call arguments as they stream (coalesced, ~40 ms). */
  'interaction.delta': z.object({ id: z.string(), text: z.string(), tools: z.array(z.object({ index: z.number(), name: z.string().nullable(), text: z.string() })) }),
  'approval.requested': ApprovalSchema,
  'approval.decided': ApprovalSchema,
} as const;
export type EventType = keyof typeof EventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof EventSchemas)[T]>;
export interface ControlEventOf<T extends EventType> {
  seq: number;
  type: T;
  time: string;
  data: EventData<T>;
}
/** Any event, discriminated by `type`. */
export type ControlEvent = { [T in EventType]: ControlEventOf<T> }[EventType];

/** `witness doctor`'s result: each check with ok / warn / fail, what was found and the fix. */
export const SETUP_TARGET_NAMES = ['vscode', 'copilot-cli', 'jetbrains', 'trust', 'node-ca'] as const;
export const DoctorCheckSchema = z.object({
  id: z.string(),
  status: z.enum(['ok', 'warn', 'fail']),
  finding: z.string(),
  fix: z.string().nullable(),
  /** The setup target that fixes it (the window's fix button), if one does. */
  setup: z.enum(SETUP_TARGET_NAMES).nullable(),
});
export const DoctorReportSchema = z.object({ ok: z.boolean(), time: z.string(), dataDir: z.string(), checks: z.array(DoctorCheckSchema) });
export type DoctorReportView = z.infer<typeof DoctorReportSchema>;

/** What one `witness setup` target did (or would do, in a dry run). */
export const SetupResultSchema = z.object({
  target: z.enum(SETUP_TARGET_NAMES),
  undo: z.boolean(),
  dryRun: z.boolean(),
  changed: z.boolean(),
  files: z.array(z.object({ path: z.string(), action: z.enum(['created', 'modified', 'removed', 'restored', 'unchanged']), diff: z.string() })),
  commands: z.array(z.object({ what: z.string(), command: z.string(), ran: z.boolean(), ok: z.boolean(), output: z.string() })),
  notes: z.array(z.string()),
  backup: z.string().nullable(),
});
export type SetupResultView = z.infer<typeof SetupResultSchema>;

export const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Request/response methods. `input` is the JSON body (or query for GET). */
export const Methods = {
  status: { method: 'GET', path: `${API_PREFIX}/status`, input: z.object({}).strict(), output: StatusSchema },
  search: { method: 'GET', path: `${API_PREFIX}/records`, input: SearchQuerySchema, output: SearchPageSchema },
  record: { method: 'GET', path: `${API_PREFIX}/record`, input: z.object({ id: z.string() }).strict(), output: AuditRecordSchema.nullable() },
  uiLink: { method: 'POST', path: `${API_PREFIX}/ui/link`, input: z.object({}).strict(), output: z.object({ url: z.string() }) },
  approvals: { method: 'GET', path: `${API_PREFIX}/approvals`, input: z.object({}).strict(), output: z.array(ApprovalSchema) },
  approval: { method: 'GET', path: `${API_PREFIX}/approval`, input: z.object({ id: z.string() }).strict(), output: ApprovalSchema.nullable() },
  decide: {
    method: 'POST',
    path: `${API_PREFIX}/approvals/decide`,
    input: z.object({ id: z.string(), decision: z.enum(['approve', 'deny']), argsHash: z.string(), reason: z.string().max(2000).optional() }).strict(),
    output: ApprovalSchema,
  },
  policy: {
    method: 'GET',
    path: `${API_PREFIX}/policy`,
    input: z.object({}).strict(),
    output: z.object({
      policy: z.record(z.string(), z.unknown()),
      source: z.record(z.string(), z.enum(['default', 'user', 'managed', 'central'])),
      locked: z.array(z.string()),
      layers: z.array(z.object({ name: z.enum(['default', 'user', 'managed', 'central']), file: z.string().nullable() })),
    }),
  },
  /** The doctor's checks, run by the engine (its environment, its user's files). */
  doctor: { method: 'GET', path: `${API_PREFIX}/doctor`, input: z.object({}).strict(), output: DoctorReportSchema },
  /** One setup target (or its undo) for the engine's user; dryRun returns the diffs only. */
  setup: {
    method: 'POST',
    path: `${API_PREFIX}/setup`,
    input: z.object({ target: z.enum(SETUP_TARGET_NAMES), dryRun: z.boolean().default(false), undo: z.boolean().default(false), force: z.boolean().default(false) }).strict(),
    output: SetupResultSchema,
  },
  /** Asks the engine to shut down cleanly (`witness stop`); stopping is false when its host does not allow it. */
  shutdown: { method: 'POST', path: `${API_PREFIX}/shutdown`, input: z.object({}).strict(), output: z.object({ stopping: z.boolean() }) },
} as const;
export type MethodName = keyof typeof Methods;
export type MethodInput<M extends MethodName> = z.input<(typeof Methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<(typeof Methods)[M]['output']>;

export const EVENTS_PATH = `${API_PREFIX}/events`;
