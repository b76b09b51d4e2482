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

/** Every event the stream can carry, by type. */
export const EventSchemas = {
  'exchange.started': ExchangeStartedSchema,
  'exchange.completed': ExchangeCompletedSchema,
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
