/**
 * The `siem` section of the server configuration (public contract, docs/server.md): where
 * records are pushed and how hard to try. Destination headers usually carry a credential
 * for the collector: they are sent, never shown by the status API and never logged.
 */
import { z } from 'zod';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https anywhere; plain http only to this machine (a local collector or a test). */
function reachable(u: string): boolean {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

export const SiemDestinationSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (at most 64)').describe('names the destination and its cursor: renaming it starts over from the first record'),
    kind: z.enum(['otlp', 'ocsf']).describe('"otlp": OpenTelemetry logs over OTLP/HTTP (JSON); "ocsf": OCSF API Activity events as a JSON array'),
    url: z
      .string()
      .url()
      .refine(reachable, 'must be https:// (plain http:// only to localhost)')
      .describe('the endpoint, used as is (OTLP: the collector\'s …/v1/logs)'),
    headers: z.record(z.string(), z.string()).default({}).describe('sent with every request (e.g. authorization); never shown or logged'),
    batchSize: z.number().int().min(1).max(10_000).default(100).describe('records per request'),
    timeoutSeconds: z.number().positive().max(300).default(30).describe('a request taking longer is a transient failure'),
  })
  .strict();
export type SiemDestination = z.infer<typeof SiemDestinationSchema>;

export const SiemConfigSchema = z
  .object({
    destinations: z
      .array(SiemDestinationSchema)
      .default([])
      .refine((ds) => new Set(ds.map((d) => d.name)).size === ds.length, 'destination names must be unique')
      .describe('where records are pushed; each keeps its own cursor'),
    intervalSeconds: z.number().positive().default(5).describe('how often a node looks for new records when it is idle'),
    backoff: z
      .object({
        initialSeconds: z.number().positive().default(1).describe('the first wait after a transient failure'),
        maxSeconds: z.number().positive().default(300).describe('the longest wait between attempts'),
      })
      .strict()
      .default({ initialSeconds: 1, maxSeconds: 300 }),
  })
  .strict();
export type SiemConfig = z.infer<typeof SiemConfigSchema>;

export const SIEM_DEFAULTS: SiemConfig = { destinations: [], intervalSeconds: 5, backoff: { initialSeconds: 1, maxSeconds: 300 } };
