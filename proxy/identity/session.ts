/**
 * Who is signed in: the session as the engine and the CLI see it (no tokens), the stored
 * form (with tokens, kept only in the key vault), and how claims become a profile.
 * Pure: no I/O. The `whoami` shape is a public contract (`witness whoami --json`).
 */
import { z } from 'zod';
import { WhoAmISchema, type WhoAmI } from '../model/index.js';

/** The signed-in person as every record and decision will carry it. No token in here. */
export interface IdentitySession {
  sub: string;
  email: string | null;
  name: string | null;
  groups: string[];
  issuer: string;
  /** When the current tokens expire (ISO); the engine refreshes them before then. */
  expiresAt: string;
}

export { WhoAmISchema, type WhoAmI };

export function whoami(session: IdentitySession | null): WhoAmI {
  if (!session) return { signedIn: false, sub: null, email: null, name: null, groups: [], issuer: null, expiresAt: null };
  return { signedIn: true, sub: session.sub, email: session.email, name: session.name, groups: [...session.groups], issuer: session.issuer, expiresAt: session.expiresAt };
}

/** The vault secret that holds the session. */
export const SESSION_SECRET = 'identity.session';

/** What the vault holds: the profile plus the tokens. Only ever serialized into the vault. */
export const StoredSessionSchema = z.object({
  v: z.literal(1),
  /** Random per sign-in: tells a running engine that the CLI replaced the session. */
  id: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  sub: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  groups: z.array(z.string()),
  /** ms since the epoch */
  expiresAt: z.number(),
  signedInAt: z.number(),
  refreshedAt: z.number().nullable(),
  nonce: z.string().nullable(),
  idToken: z.string(),
  accessToken: z.string().nullable(),
  refreshToken: z.string().nullable(),
});
export type StoredSession = z.infer<typeof StoredSessionSchema>;

export function sessionView(s: StoredSession): IdentitySession {
  return { sub: s.sub, email: s.email, name: s.name, groups: [...s.groups], issuer: s.issuer, expiresAt: new Date(s.expiresAt).toISOString() };
}

/**
 * The profile in an ID token's claims. `groupsClaim` is a claim name, tried as written first
 * (Auth0-style "https://example.com/groups" contains dots), then as a dotted path into nested
 * claims (Keycloak's "realm_access.roles"). A single string counts as one group.
 */
export function profileFromClaims(claims: Record<string, unknown>, groupsClaim: string): { sub: string; email: string | null; name: string | null; groups: string[] } {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  let raw: unknown = claims[groupsClaim];
  if (raw === undefined && groupsClaim.includes('.')) {
    raw = groupsClaim.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), claims);
  }
  const groups = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string' && g !== '') : [];
  return {
    sub: String(claims.sub),
    email: str(claims.email),
    name: str(claims.name) ?? str(claims.preferred_username),
    groups: [...new Set(groups)],
  };
}

/**
 * Policy profiles selected by group membership (`identity.groupProfiles`), in the map's
 * order, each once. Consumed by policy layering; identity only computes it.
 */
export function profilesForGroups(groups: readonly string[], map: Readonly<Record<string, string>>): string[] {
  const member = new Set(groups);
  const out: string[] = [];
  for (const [group, profile] of Object.entries(map)) if (member.has(group) && !out.includes(profile)) out.push(profile);
  return out;
}
