/**
 * The engine's configuration: one schema, with a default and a description for every key.
 * The configuration reference in docs/configuration.md is generated from these descriptions
 * (`witness config schema`), so document a key here, not elsewhere.
 */
import { z } from 'zod';

const DEFAULT_PROXY_PORT = 7420;

/** Hosts intercepted by default: Copilot's API, proxy, telemetry and origin-tracker hosts. api.github.com is opt-in. */
export const DEFAULT_INTERCEPT_HOSTS = [
  '*.githubcopilot.com',
  'githubcopilot.com',
  'copilot-proxy.githubusercontent.com',
  'copilot-telemetry.githubusercontent.com',
  'origin-tracker.githubusercontent.com',
] as const;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_PATTERN_RE = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)+${LABEL}$`);
const HOSTNAME_RE = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);

const hostPattern = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => HOST_PATTERN_RE.test(s) && !/\.\d+$/.test(s), {
    message: 'must be a DNS name like "api.example.com" or a wildcard like "*.example.com" (no IP addresses)',
  });

const loopbackHost = z
  .string()
  .refine((s) => s === 'localhost' || s === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s), {
    message: 'must be a loopback address (127.0.0.1, ::1 or localhost): Witness never listens on the network',
  });

const port = z.number().int().min(0).max(65535);

function isHttpsUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' && !u.search && !u.hash && !u.username && !u.password;
  } catch {
    return false;
  }
}

const hostPort = z.string().refine((s) => /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(s), {
  message: 'must be "host:port" (e.g. "127.0.0.1:8443" or "[::1]:8443")',
});

export const ConfigSchema = z
  .object({
    proxy: z
      .object({
        host: loopbackHost.default('127.0.0.1').describe('Address the proxy listens on. Loopback only.'),
        port: port
          .default(DEFAULT_PROXY_PORT)
          .describe(`TCP port of the proxy (and of its PAC file at /proxy.pac). Default ${DEFAULT_PROXY_PORT}; 0 picks a free port.`),
      })
      .strict()
      .prefault({}),
    control: z
      .object({
        port: port
          .default(0)
          .describe('TCP port of the control API (and the window) on 127.0.0.1. 0 (default): `witness start` picks a free port once per data dir (kept in DATA_DIR/control-port) and reuses it while it is free, so the window URL survives restarts. The URL and token are written to DATA_DIR/control.json.'),
      })
      .strict()
      .prefault({}),
    intercept: z
      .object({
        hosts: z
          .array(hostPattern)
          .min(1)
          .default([...DEFAULT_INTERCEPT_HOSTS])
          .describe('Hosts whose TLS is intercepted and audited. "*.example.com" matches every subdomain. Every other CONNECT is tunnelled untouched.'),
        githubApi: z
          .boolean()
          .default(false)
          .describe('Also intercept api.github.com (Copilot token exchange and user info). Off by default: that host carries much more than Copilot.'),
        websockets: z
          .enum(['refuse', 'passthrough'])
          .default('refuse')
          .describe(
            'WebSocket upgrades to intercepted hosts. "refuse" (default) answers 403 to every upgrade so clients fall back to HTTP, which Witness can audit; "passthrough" lets each upgrade through unaudited and records it as not inspected.',
          ),
      })
      .strict()
      .prefault({}),
    upstream: z
      .object({
        resolve: z
          .record(
            z.string().transform((s) => s.toLowerCase()).refine((s) => HOSTNAME_RE.test(s), { message: 'must be a hostname' }),
            hostPort,
          )
          .default({})
          .describe('Send traffic for a hostname to another "host:port" (like curl --resolve). TLS still verifies the original hostname. For staging and tests.'),
        caFile: z
          .string()
          .nullable()
          .default(null)
          .describe('PEM file of extra CA certificates trusted for upstream TLS, on top of the system roots and NODE_EXTRA_CA_CERTS.'),
        connectTimeoutMs: z.number().int().positive().default(15000).describe('Give up connecting to an upstream after this many milliseconds.'),
        responseTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(120_000)
          .describe('An upstream that sends no response head this long after the request was sent: the client gets a 504 with a JSON error (code witness_upstream_timeout).'),
        idleTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(120_000)
          .describe('A response body during which nothing moves this long (no byte from the upstream, none to the client; paced SSE events, keep-alive comments and a hold\'s keep-alives all count): the response is cut and recorded as an upstream error.'),
      })
      .strict()
      .prefault({}),
    ca: z
      .object({
        validityDays: z.number().int().min(2).max(730).default(730).describe('Lifetime of the Witness CA certificate, at most 730 days.'),
        renewBeforeDays: z
          .number()
          .int()
          .min(1)
          .max(365)
          .default(30)
          .describe('Create the next CA this many days before the current one expires; both are published until the old one expires.'),
      })
      .strict()
      .prefault({}),
    masking: z
      .object({
        requests: z
          .enum(['mask', 'block', 'allow'])
          .default('mask')
          .describe('Secrets in prompts: "mask" replaces them before the request leaves the machine; "block" answers the IDE with a readable refusal instead; "allow" sends them (still masked in the audit record).'),
        responses: z
          .enum(['mask', 'allow'])
          .default('mask')
          .describe('Secrets in model output: "mask" replaces them before they reach the IDE (streaming-safe); "allow" passes them (still masked in the audit record).'),
        uninspectable: z
          .enum(['pass', 'block'])
          .default('block')
          .describe('A request body Witness cannot inspect (unknown content-encoding, larger than limits.maxInspectedBodyBytes, binary): "block" (default, fail closed) answers the IDE with a readable refusal and sends nothing upstream; "pass" forwards it and records "not inspected: <reason>". Responses are governed by masking.responses.'),
        cacheChars: z
          .number()
          .int()
          .min(0)
          .max(1024 * 1024 * 1024)
          .optional()
          .describe(
            'Characters of recently masked long texts whose masking results are kept (default 8388608, i.e. 8 Mi characters; 0 turns the cache off), and as many bytes of request-body pieces (messages, tools) in which nothing was found, kept parsed. Agent mode resends the whole conversation each turn; with the cache, only new messages are parsed and scanned.',
          ),
        cacheMB: z
          .number()
          .min(0)
          .max(1024)
          .optional()
          .describe('Deprecated: the old name of masking.cacheChars, in units of 2^20 characters (it never counted bytes). Still read as input and turned into masking.cacheChars; give one of the two.'),
      })
      .strict()
      .refine((m) => m.cacheChars === undefined || m.cacheMB === undefined, { path: ['cacheMB'], message: 'give masking.cacheChars or its old name masking.cacheMB, not both' })
      .transform(({ cacheChars, cacheMB, ...rest }) => {
        // The deprecated input key lands in cacheChars only: no reader of the parsed config uses the old name.
        return { ...rest, cacheChars: cacheChars ?? Math.round((cacheMB ?? 8) * 1024 * 1024) };
      })
      .prefault({}),
    audit: z
      .object({
        maxAgeDays: z
          .number()
          .int()
          .min(1)
          .nullable()
          .default(365)
          .describe('Prune audit records older than this many days (null keeps them forever). Records not yet acknowledged by the central server are never pruned.'),
        maxSizeMB: z
          .number()
          .min(1)
          .nullable()
          .default(2048)
          .describe('Prune the oldest audit records when the store grows beyond this size (null: no limit).'),
        compactEvery: z.number().int().min(10).default(5000).describe('Snapshot the encrypted index after this many records (bounds the replay at start).'),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxInspectedBodyBytes: z
          .number()
          .int()
          .min(1024)
          .default(32 * 1024 * 1024)
          .describe(
            'Largest request or response body held in memory for inspection; larger bodies stream through and are recorded as not inspected. Also the most a compressed body may inflate to: decoding stops there (a request is then not inspected; a compressed response is cut).',
          ),
        controlBodyBytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024)
          .describe('Largest request body the control API accepts; a larger one is answered 413 (code BODY_TOO_LARGE).'),
        headersTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(30_000)
          .describe('A client of the proxy or the control API must send a complete request head within this many milliseconds of starting it; otherwise 408 and the connection is closed.'),
        requestTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(60_000)
          .describe('A client must send its whole request (head and body) within this (keep it below limits.idleTimeoutMs); a body shorter than its Content-Length gets 408 here instead of waiting for ever.'),
        keepAliveTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(30_000)
          .describe('An idle kept-alive client connection (between requests) is closed after this.'),
        idleTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(120_000)
          .describe('An intercepted client connection on which no byte moves either way for this long is closed. Streaming answers, keep-alive comments and holds (which send one every few seconds) keep it open.'),
        handshakeTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(15_000)
          .describe('A connection (or a CONNECT tunnel) must start its TLS handshake or request within this, and finish the handshake within it too; otherwise it is closed.'),
        tunnelIdleTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(300_000)
          .describe('A tunnel Witness does not inspect (other hosts, plain TCP, paused interception) on which no byte moves either way for this long is closed.'),
      })
      .strict()
      .prefault({}),
    identity: z
      .object({
        issuer: z
          .string()
          .nullable()
          .default(null)
          .refine((s) => s === null || isHttpsUrl(s), { message: 'must be an https:// URL (the identity provider\'s issuer, e.g. "https://login.example.com/realms/acme")' })
          .describe(
            'OpenID Provider to sign in with (Okta, Entra ID, Google, Keycloak, …), found through its /.well-known/openid-configuration. HTTPS only, trusted through the system store or NODE_EXTRA_CA_CERTS. null: sign-in is off.',
          ),
        clientId: z
          .string()
          .min(1)
          .nullable()
          .default(null)
          .describe('Client id registered at the provider for Witness: a public (native) client without a secret, redirect URI http://127.0.0.1/callback (any port), device flow allowed.'),
        scopes: z
          .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (no spaces or quotes)'))
          .default(['openid', 'profile', 'email', 'offline_access'])
          .refine((s) => s.includes('openid'), { message: 'must include "openid"' })
          .describe('Scopes requested at sign-in; identity.groupsScope is added when set. offline_access gives the refresh token that keeps the session alive.'),
        groupsScope: z
          .string()
          .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (no spaces or quotes)')
          .nullable()
          .default(null)
          .describe('The provider\'s scope that releases group membership (e.g. "groups"), added to identity.scopes. null: none (the provider sends groups without one, or not at all).'),
        audience: z
          .string()
          .min(1)
          .nullable()
          .default(null)
          .describe('The central server\'s resource/audience, sent as the RFC 8707 "resource" parameter so its access tokens are issued for it. null: none.'),
        groupsClaim: z
          .string()
          .min(1)
          .default('groups')
          .describe('ID token claim holding the user\'s groups: a claim name, or a dotted path into nested claims (e.g. "realm_access.roles").'),
        groupProfiles: z
          .record(z.string().min(1), z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a profile name (lower-case letters, digits, "-", "_")'))
          .default({})
          .describe('Group → policy profile (e.g. {"contractors": "contractor"}): the profiles that the signed-in user\'s groups select, in this order, for policy profiles to apply.'),
      })
      .strict()
      .prefault({})
      .refine((i) => (i.issuer === null) === (i.clientId === null), { message: 'set together with identity.issuer: both, or neither', path: ['clientId'] }),
    sync: z
      .object({
        server: z
          .string()
          .nullable()
          .default(null)
          .refine((s) => s === null || /^https:\/\//.test(s) || /^http:\/\/(127\.[0-9.]+|localhost|\[::1\])(:\d+)?(\/|$)/.test(s), {
            message: 'must be an https:// URL (plain http:// only on loopback)',
          })
          .describe('The central server (witness-server) this device sends its records to, e.g. "https://witness.example.com". null: no sync.'),
        serverKeys: z
          .string()
          .nullable()
          .default(null)
          .describe("Path to the server's public keys, pinned: the JWKS printed by `witness-server keys --json`. Batches are encrypted to it, receipts checked against it."),
        batchSize: z.number().int().min(1).max(1000).default(100).describe('Records per batch sent to the server.'),
        flushSeconds: z.number().min(0).default(2).describe('A batch that is not full is sent this long after its first record.'),
        checkInSeconds: z
          .number()
          .min(0.1)
          .default(60)
          .describe('How often the device checks in with the server (its version, records waiting, the central policy version it enforces) and fetches a newer signed central policy.'),
      })
      .strict()
      .prefault({})
      .refine((s) => (s.server === null) === (s.serverKeys === null), { message: 'set together with sync.server: both, or neither', path: ['serverKeys'] }),
    log: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level of the JSON lines written to stderr.'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.ca.renewBeforeDays < c.ca.validityDays, {
    path: ['ca', 'renewBeforeDays'],
    message: 'must be smaller than ca.validityDays',
  });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
