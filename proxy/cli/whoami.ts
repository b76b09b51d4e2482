/**
 * `witness whoami [--json]`: who is signed in. Asks the running engine when there is one (its
 * session is the live one: refreshed, or ended by the provider), else reads the key vault.
 * `--json` prints {"signedIn","sub","email","name","groups","issuer","expiresAt"} (public
 * contract). Exit code 0 when signed in, 3 when not (like `witness status`). Never prints a token.
 */
import { WitnessError } from '../errors.js';
import { createControlClient } from '../control/index.js';
import { isProcessAlive, readControlFile } from '../control-server/index.js';
import { whoami, type WhoAmI } from '../identity/index.js';
import { parseCommon, resolveConfig } from './args.js';
import { cliIdentityService, displayName, type IdentityDeps } from './identity.js';
import type { CommandIO } from './io.js';

export const EXIT_SIGNED_OUT = 3;

const USAGE = `Usage: witness whoami [--json] [--data-dir DIR] [--config FILE]

Shows who is signed in to Witness. Exit code 0 when signed in, 3 when not.
--json prints {"signedIn","sub","email","name","groups","issuer","expiresAt"}.`;

export async function whoamiCommand(argv: string[], io: CommandIO, deps: IdentityDeps = {}): Promise<number> {
  const args = parseCommon(argv);
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  if (args.positionals.length) throw new WitnessError('USAGE', `witness whoami takes no arguments (got "${args.positionals[0]}").\n\n${USAGE}`);
  const { config } = resolveConfig(args);
  let me: WhoAmI | null = null;
  let source = 'this machine';
  const control = readControlFile(args.dataDir);
  if (control && isProcessAlive(control.pid)) {
    try {
      const { configured: _configured, ...status } = await createControlClient({ url: control.url, token: control.token }).call('identity', {});
      me = status;
      source = `the running engine (pid ${control.pid})`;
    } catch {
      // An engine that does not answer: fall back to the vault, which is what it would read.
    }
  }
  if (!me) {
    const service = cliIdentityService(args.dataDir, config, io, deps);
    try {
      me = whoami(await service.load());
    } finally {
      service.close();
    }
  }
  if (args.json) io.out(JSON.stringify(me));
  else if (me.signedIn) {
    const expired = Date.parse(me.expiresAt!) <= Date.now();
    io.out(
      [
        `Signed in as ${displayName({ name: me.name, email: me.email, sub: me.sub! })} (according to ${source}).`,
        `  Subject   ${me.sub}`,
        `  Issuer    ${me.issuer}`,
        `  Groups    ${me.groups.length ? me.groups.join(', ') : '(none)'}`,
        `  Tokens    ${expired ? 'expired' : 'expire'} ${me.expiresAt}${expired ? ' (refreshed when the engine next runs)' : ' (refreshed automatically while the engine runs)'}`,
      ].join('\n'),
    );
  } else {
    io.out(config.identity.issuer ? 'Not signed in. Run `witness login` (or `witness login --device` without a browser).' : 'Not signed in: sign-in is not configured (identity.issuer, identity.clientId).');
  }
  return me.signedIn ? 0 : EXIT_SIGNED_OUT;
}
