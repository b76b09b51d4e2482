/**
 * The server's configuration (public contract: oidc.issuer, oidc.audience, roles.auditor,
 * roles.admin, database.url, fleet.offlineMinutes, fleet.missingDays, console.clientId, console.scope,
 * siem.*; DATABASE_URL overrides the file). One zod schema with
 * defaults; a bad file fails with the key's path and the reason.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SIEM_DEFAULTS, SiemConfigSchema } from './siem/index.js';

export const ServerConfigSchema = z
  .object({
    oidc: z
      .object({
        issuer: z.string().url().nullable().default(null).describe('the identity provider whose access tokens are accepted'),
        audience: z.string().nullable().default(null).describe('the audience (resource) access tokens must be issued for'),
        groupsClaim: z.string().default('groups').describe('the token claim that lists the user\'s groups'),
        jwksUri: z.string().url().nullable().default(null).describe('override for the discovery document\'s jwks_uri'),
      })
      .strict()
      .default({ issuer: null, audience: null, groupsClaim: 'groups', jwksUri: null }),
    roles: z
      .object({
        auditor: z.array(z.string()).default([]).describe('groups whose members read every record'),
        admin: z.array(z.string()).default([]).describe('groups whose members also revoke and re-enrol devices'),
      })
      .strict()
      .default({ auditor: [], admin: [] }),
    database: z
      .object({ url: z.string().nullable().default(null).describe('postgres://… ; absent: embedded PGlite in the data dir') })
      .strict()
      .default({ url: null }),
    fleet: z
      .object({
        offlineMinutes: z.number().positive().default(15).describe('a device not seen (check-in or batch) for this long is "offline"'),
        missingDays: z.number().positive().default(7).describe('a device not seen for this long is "missing"'),
      })
      .strict()
      .default({ offlineMinutes: 15, missingDays: 7 }),
    siem: SiemConfigSchema.default(SIEM_DEFAULTS).describe('SIEM export destinations (docs/server.md)'),
    console: z
      .object({
        clientId: z
          .string()
          .min(1)
          .nullable()
          .default(null)
          .describe("the console's OIDC client id at oidc.issuer: a public client (no secret) allowing code + PKCE and the redirect <server URL>/callback; absent: the console cannot sign in"),
        scope: z.string().default('openid profile email groups').describe('the scopes the console asks for (the groups claim must reach the access token)'),
      })
      .strict()
      .default({ clientId: null, scope: 'openid profile email groups' }),
  })
  .strict();
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

export function parseServerConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const r = ServerConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`server config: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const c = r.data;
  if (env.DATABASE_URL) c.database.url = env.DATABASE_URL;
  return c;
}

export function loadServerConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  if (!file) return parseServerConfig({}, env);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`server config ${file}: ${(e as Error).message}`);
  }
  return parseServerConfig(raw, env);
}
