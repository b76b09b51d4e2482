/**
 * Who is signed in, as the control API and `witness whoami --json` show it (public
 * contract). Browser-safe: zod only; the session itself (tokens included) lives in
 * proxy/identity/ and never leaves the engine.
 */
import { z } from 'zod';

export const WhoAmISchema = z.object({
  signedIn: z.boolean(),
  sub: z.string().nullable(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  groups: z.array(z.string()),
  issuer: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type WhoAmI = z.infer<typeof WhoAmISchema>;

/**
 * Who a record or a decision belongs to, as verified from the ID token when it was made
 * (public contract: records' `identity`, approvals' `requesterIdentity` / `approverIdentity`).
 * Signed out: `signedIn` false and the rest null/empty, said explicitly rather than omitted.
 */
export const RecordIdentitySchema = z.object({
  signedIn: z.boolean(),
  sub: z.string().nullable(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  groups: z.array(z.string()),
  issuer: z.string().nullable(),
});
export type RecordIdentity = z.infer<typeof RecordIdentitySchema>;
