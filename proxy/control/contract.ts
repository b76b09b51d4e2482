/**
 * The control API contract: the one declaration of every method and event, as runtime
 * schemas. The engine's handlers, the CLI and the UI client are all typed from it.
 * The domain types it carries (Interaction, records, search, operations) come from
 * model/. This file imports only zod and model/, so the browser UI can import it too.
 */
import { z } from 'zod';
import { ApprovalReviewSchema, AuditRecordSchema, ReviewSchema, InteractionSchema, OperationSchema, ReceiptPayloadSchema, RecordIdentitySchema, SearchPageSchema, SearchQuerySchema, SyncStatusSchema, WhoAmISchema } from '../model/index.js';

const API_PREFIX = '/api/v1';

const CaSummarySchema = z.object({
  subject: z.string(),
  fingerprint256: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  permittedSubtrees: z.array(z.string()),
});

const CountersSchema = z.object({
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
  /** CONNECTs to intercepted hosts tunnelled unaudited while interception was paused; each is also an audit record. */
  pausedTunnels: z.number(),
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

const LayerNameSchema = z.enum(['default', 'user', 'managed', 'central', 'profile']);
/** A layer of the policy in force; `profile` names the group profile a 'profile' layer applied. */
const PolicyLayerSchema = z.object({ name: LayerNameSchema, file: z.string().nullable(), profile: z.string().optional() });
const PolicyProblemSchema = z.object({ code: z.string(), message: z.string(), since: z.string() });

/**
 * The policy in force: its version (SHA-256 of the effective policy's canonical JSON; every
 * record carries the version it was judged by), since when, and the layers it came from.
 * `problem`: a layer's file is bad (or unreadable), so what is on disk is NOT in force: the
 * last good policy stays until the file is fixed. Every surface shows it.
 */
export const PolicyStateSchema = z.object({
  version: z.string(),
  since: z.string(),
  layers: z.array(PolicyLayerSchema),
  problem: PolicyProblemSchema.nullable(),
});
export type PolicyState = z.infer<typeof PolicyStateSchema>;

/** Where a pause or resume was asked for (shown with who asked). */
export const INTERCEPTION_VIA = ['tray', 'window', 'cli', 'api', 'policy'] as const;

/**
 * Interception paused or not. Paused: CONNECTs to intercepted hosts are tunnelled without
 * inspection, each recorded as unaudited; `since`/`by` say who paused it, `until` when it
 * ends by itself (the policy's intercept.pause.maxMinutes). `allowed`: whether the policy in
 * force lets anyone pause (intercept.pause.allowed).
 */
export const InterceptionStateSchema = z.object({
  paused: z.boolean(),
  since: z.string().nullable(),
  by: z.string().nullable(),
  via: z.enum(INTERCEPTION_VIA).nullable(),
  until: z.string().nullable(),
  allowed: z.boolean(),
});
export type InterceptionState = z.infer<typeof InterceptionStateSchema>;

/** Whether audit records can be written now, and what Copilot requests get while they cannot. */
export const AuditStoreStateSchema = z.object({
  ok: z.boolean(),
  since: z.string().nullable(),
  problem: z.string().nullable(),
  /** Interactions not recorded during the current (or, once ok, the last) failure. */
  unrecorded: z.number(),
  onStoreFailure: z.enum(['pass', 'block']),
});

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
  audit: z.object({
    /** Deprecated alias of headSeq (it always was the head's seq, not a count: pruning removes records). */
    records: z.number().describe('deprecated: the same as headSeq'),
    headSeq: z.number(),
    issues: z.array(z.string()),
    store: AuditStoreStateSchema,
  }),
  /** Recent TLS handshake failures (newest last) and how many came after the last successful request. */
  tls: z.object({ recentFailures: z.array(TlsFailureSchema), rejectedSinceLastSuccess: z.number(), windowMinutes: z.number() }),
  health: HealthSchema,
  policy: PolicyStateSchema,
  interception: InterceptionStateSchema,
  /**
   * Sign-in at a glance (tray, window header): `configured` when sign-in is set up
   * (identity.issuer); `required` when the policy in force says `identity.requireSignIn`, so
   * Copilot requests are refused while nobody is signed in; `user` is the email, else the
   * name, else the subject.
   */
  identity: z.object({ signedIn: z.boolean(), user: z.string().nullable(), required: z.boolean(), configured: z.boolean() }),
  /** Central server sync (public contract of `witness status --json`): state is "off" without sync.server. */
  sync: SyncStatusSchema,
});
export type Status = z.infer<typeof StatusSchema>;

const TimingsSchema = z.object({
  start: z.number().describe('epoch ms'),
  headers: z.number().nullable(),
  firstByte: z.number().nullable(),
  end: z.number().nullable(),
});

const ExchangeStartedSchema = z.object({
  id: z.string(),
  method: z.string(),
  host: z.string(),
  path: z.string(),
  start: z.number(),
});

const ExchangeCompletedSchema = z.object({
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

export const ApprovalSchema = z.object({
  id: z.string(),
  exchangeId: z.string(),
  host: z.string(),
  client: z.string().nullable(),
  requester: z.string(),
  tool: z.string(),
  arguments: z.string(),
  argsHash: z.string(),
  operation: OperationSchema,
  ruleIds: z.array(z.string()),
  reasons: z.array(z.string()),
  requestedAt: z.string(),
  expiresAt: z.string(),
  defaultDecision: z.enum(['approve', 'deny']),
  status: z.enum(['pending', 'approved', 'denied', 'timed-out', 'cancelled']),
  decidedAt: z.string().nullable(),
  approver: z.string().nullable(),
  /** The requester's and the approver's verified identities, when signed in. */
  requesterIdentity: RecordIdentitySchema.nullable().optional(),
  approverIdentity: RecordIdentitySchema.nullable().optional(),
  reason: z.string().nullable(),
  /** Masked values in the arguments that the editor will receive restored (the card says so); absent: none. */
  restoredForEditor: z.number().optional(),
  /** The hold waits for a reviewer of this group on the central server (policy `reviews`); a local approval is refused. */
  review: ApprovalReviewSchema.nullable().optional(),
});
export type ApprovalView = z.infer<typeof ApprovalSchema>;

/** Who is signed in (the `witness whoami --json` shape), and whether sign-in is configured. */
export const IdentityStatusSchema = WhoAmISchema.extend({ configured: z.boolean() });
export type IdentityStatus = z.infer<typeof IdentityStatusSchema>;

/**
 * A sign-in started by the engine (`identityLogin`). `browser`: code + PKCE; the engine
 * listens on a one-shot loopback redirect (127.0.0.1, random port) and the caller opens
 * `url` in the system browser. `device`: RFC 8628; show the code and where to enter it.
 * Either way the call returns at once; `identity.changed` follows when the sign-in completes.
 */
export const IdentityLoginSchema = z.discriminatedUnion('flow', [
  z.object({ flow: z.literal('browser'), url: z.string() }),
  z.object({
    flow: z.literal('device'),
    userCode: z.string(),
    verificationUri: z.string(),
    verificationUriComplete: z.string().nullable(),
    /** Seconds the code stays valid. */
    expiresIn: z.number(),
  }),
]);
export type IdentityLogin = z.infer<typeof IdentityLoginSchema>;

/** Every event the stream can carry, by type. */
export const EventSchemas = {
  'exchange.started': ExchangeStartedSchema,
  'exchange.completed': ExchangeCompletedSchema,
  /** A finished interaction (as it is about to be stored), with who asked. */
  'interaction.completed': InteractionSchema.extend({ user: z.string() }),
  'record.stored': z.object({ id: z.string(), seq: z.number(), hash: z.string() }),
  /** The central server receipted this device's chain up to seq (its signature checked against the pinned key). */
  'sync.receipt': ReceiptPayloadSchema,
  /** A request was inspected and forwarded: who asked what (masked). */
  'interaction.started': InteractionSchema.pick({ id: true, time: true, endpoint: true, host: true, path: true, model: true, client: true, prompt: true, decision: true }).extend({
    user: z.string(),
  }),
  /** Masked response text / tool-call arguments as they stream (coalesced, ~40 ms). */
  'interaction.delta': z.object({ id: z.string(), text: z.string(), tools: z.array(z.object({ index: z.number(), name: z.string().nullable(), text: z.string() })) }),
  'approval.requested': ApprovalSchema,
  'approval.decided': ApprovalSchema,
  /** Signed in, refreshed with other claims, signed out, or the session ended. */
  'identity.changed': IdentityStatusSchema,
  /** Another policy came into force, or a layer's file became bad (problem) or good again. */
  'policy.changed': PolicyStateSchema,
  /** Interception paused or resumed (by someone, or by the policy: its time limit, or pausing no longer allowed). */
  'interception.changed': InterceptionStateSchema,
  /** Audit records cannot be written (disk full, I/O error), or can again. */
  'audit.store': AuditStoreStateSchema,
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
  /**
   * Second reviews waiting for the signed-in person's groups on the central server (sync.server),
   * fetched with their access token. REVIEWS_UNAVAILABLE: no server, signed out, or it cannot be reached.
   */
  reviews: { method: 'GET', path: `${API_PREFIX}/reviews`, input: z.object({}).strict(), output: z.array(ReviewSchema) },
  /**
   * Decides a server review as the signed-in person (the reason is masked first); the server's
   * refusals keep their codes: REVIEWER_NOT_IN_GROUP, SELF_REVIEW_REFUSED (403), REVIEW_STALE, REVIEW_CLOSED (409).
   */
  reviewDecide: {
    method: 'POST',
    path: `${API_PREFIX}/reviews/decide`,
    input: z.object({ id: z.string().min(1).max(100), decision: z.enum(['approve', 'deny']), argsHash: z.string().regex(/^[0-9a-f]{64}$/), reason: z.string().max(1000).optional() }).strict(),
    output: ReviewSchema,
  },
  identity: { method: 'GET', path: `${API_PREFIX}/identity`, input: z.object({}).strict(), output: IdentityStatusSchema },
  /** The session in the key vault changed (`witness login` / `logout` in another process): use it now. */
  identityReload: { method: 'POST', path: `${API_PREFIX}/identity/reload`, input: z.object({}).strict(), output: IdentityStatusSchema },
  /**
   * Starts a sign-in in the engine: the browser flow by default (open the returned url), the
   * device flow with `device: true` (for providers that refuse any-port loopback redirects,
   * or machines without a browser). IDENTITY_NOT_CONFIGURED without identity.issuer.
   */
  identityLogin: { method: 'POST', path: `${API_PREFIX}/identity/login`, input: z.object({ device: z.boolean().default(false) }).strict(), output: IdentityLoginSchema },
  /** Signs out here (the refresh token is revoked at the provider, best effort). */
  identityLogout: { method: 'POST', path: `${API_PREFIX}/identity/logout`, input: z.object({}).strict(), output: IdentityStatusSchema },
  policy: {
    method: 'GET',
    path: `${API_PREFIX}/policy`,
    input: z.object({}).strict(),
    /** The policy in force (never just what the files say): see PolicyStateSchema for version and problem. */
    output: z.object({
      policy: z.record(z.string(), z.unknown()),
      source: z.record(z.string(), LayerNameSchema),
      locked: z.array(z.string()),
      layers: z.array(PolicyLayerSchema),
      version: z.string(),
      since: z.string(),
      problem: PolicyProblemSchema.nullable(),
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
  /**
   * Pauses interception: Copilot connections pass unaudited (each recorded as such) until
   * resumed or the policy's limit; PAUSE_NOT_ALLOWED when the policy forbids it. Pausing a
   * paused engine changes nothing.
   */
  interceptionPause: {
    method: 'POST',
    path: `${API_PREFIX}/interception/pause`,
    input: z.object({ via: z.enum(INTERCEPTION_VIA).exclude(['policy']).default('api') }).strict(),
    output: InterceptionStateSchema,
  },
  /** Resumes interception; tunnels opened while paused are closed (clients reconnect, intercepted). */
  interceptionResume: {
    method: 'POST',
    path: `${API_PREFIX}/interception/resume`,
    input: z.object({ via: z.enum(INTERCEPTION_VIA).exclude(['policy']).default('api') }).strict(),
    output: InterceptionStateSchema,
  },
  /** Asks the engine to shut down cleanly (`witness stop`); stopping is false when its host does not allow it. */
  shutdown: { method: 'POST', path: `${API_PREFIX}/shutdown`, input: z.object({}).strict(), output: z.object({ stopping: z.boolean() }) },
} as const;
export type MethodName = keyof typeof Methods;
export type MethodInput<M extends MethodName> = z.input<(typeof Methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<(typeof Methods)[M]['output']>;

export const EVENTS_PATH = `${API_PREFIX}/events`;

/**
 * File downloads (not JSON): the CA certificate(s) to trust, and the audit trail as
 * `?format=jsonl|har|ocsf&since=&until=`. The UI links to them; the server answers them.
 */
export const DOWNLOADS = { caPem: `${API_PREFIX}/ca.pem`, export: `${API_PREFIX}/export` } as const;

/**
 * The desktop window's origin: the shell serves the bundled UI over this custom scheme and
 * the UI calls the control API cross-origin with the bearer token (never a cookie). The
 * engine answers CORS for this origin only; every other foreign origin stays refused.
 */
export const DESKTOP_UI_ORIGIN = 'app://witness';

/**
 * control.json in the data dir: how the CLI and the desktop shell find a running engine.
 * Written by the engine (mode 0600: it holds the per-run bearer token).
 */
export const ControlFileSchema = z.object({
  version: z.literal(1),
  pid: z.number(),
  url: z.string(),
  token: z.string(),
  proxyUrl: z.string(),
  startedAt: z.string(),
});
export type ControlFile = z.infer<typeof ControlFileSchema>;
