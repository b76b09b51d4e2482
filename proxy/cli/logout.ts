/**
 * `witness logout`: forgets the session on this workstation (the key vault entry), revokes
 * the refresh token at the provider when it can, and tells a running engine. Signing out
 * needs no passphrase and works even when sign-in is no longer configured.
 */
import { WitnessError } from '../errors.js';
import { parseCommon, resolveConfig } from './args.js';
import { cliIdentityService, engineLine, notifyEngine, type IdentityDeps } from './identity.js';
import type { CommandIO } from './io.js';

const USAGE = `Usage: witness logout [--data-dir DIR] [--config FILE] [--json]

Signs you out: the session is deleted from this machine and its refresh token revoked at the
identity provider (when the provider offers revocation). A running engine is signed out too.`;

export async function logoutCommand(argv: string[], io: CommandIO, deps: IdentityDeps = {}): Promise<number> {
  const args = parseCommon(argv);
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  if (args.positionals.length) throw new WitnessError('USAGE', `witness logout takes no arguments (got "${args.positionals[0]}").\n\n${USAGE}`);
  const { config } = resolveConfig(args);
  const service = cliIdentityService(args.dataDir, config, io, deps);
  let result: { wasSignedIn: boolean; revoked: boolean };
  try {
    result = await service.signOut();
  } finally {
    service.close();
  }
  const notice = await notifyEngine(args.dataDir);
  if (args.json) {
    io.out(JSON.stringify({ signedOut: true, wasSignedIn: result.wasSignedIn, revoked: result.revoked }));
    return 0;
  }
  io.out(
    result.wasSignedIn
      ? `Signed out.${result.revoked ? ' The refresh token was revoked at the identity provider.' : ' The identity provider could not be asked to revoke the refresh token; it expires there on its own.'}`
      : 'Not signed in; nothing to do.',
  );
  const line = engineLine(notice, null);
  if (line) io.out(line);
  return 0;
}
