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
  refusedPeers: z.number(),
  tlsClientErrors: z.number(),
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
  decision: z.enum(['allowed', 'masked', 'blocked']),
  status: z.enum(['ok', 'upstream-error', 'client-abort', 'blocked']),
  httpStatus: z.number().nullable(),
  errors: z.array(z.string()),
  timings: z.object({ start: z.number(), firstByte: z.number().nullable(), firstToken: z.number().nullable(), end: z.number().nullable() }),
});
export type Interaction = z.infer<typeof InteractionSchema>;

/** Every event the stream can carry, by type. */
export const EventSchemas = {
  'exchange.started': ExchangeStartedSchema,
  'exchange.completed': ExchangeCompletedSchema,
  'interaction.completed': InteractionSchema,
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

export const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Request/response methods. `input` is the JSON body (or query for GET). */
export const Methods = {
  status: { method: 'GET', path: `${API_PREFIX}/status`, input: z.object({}).strict(), output: StatusSchema },
} as const;
export type MethodName = keyof typeof Methods;
export type MethodInput<M extends MethodName> = z.input<(typeof Methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<(typeof Methods)[M]['output']>;

export const EVENTS_PATH = `${API_PREFIX}/events`;
