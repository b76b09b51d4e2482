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
