/**
 * `witness login [--device] [--json]`: signs the developer in with the configured identity
 * provider. Default: the system browser (code + PKCE, loopback redirect); the URL is printed
 * too. `--device`: the device flow for machines without a browser. With `--device --json`
 * the first stdout line is {"user_code","verification_uri","verification_uri_complete",
 * "expires_in"} (public contract); once approved, a second line has the `whoami --json` shape.
 * Works with or without a running engine; a running one is told to use the new session.
 * Never prints a token.
 */
import { WitnessError } from '../errors.js';
import { systemBrowser, whoami, type BrowserOpener, type IdentitySession } from '../identity/index.js';
import { parseCommon, resolveConfig } from './args.js';
import { cliIdentityService, displayName, engineLine, notifyEngine, type IdentityDeps } from './identity.js';
import type { CommandIO } from './io.js';

const USAGE = `Usage: witness login [--device] [--json] [--data-dir DIR] [--config FILE]

Signs you in with the identity provider set in identity.issuer / identity.clientId.
  (default)  opens your browser (the URL is printed too) and waits for the sign-in
  --device   prints a code to enter at the provider's page on any device (no browser here)
  --json     machine-readable output; with --device the first line is
             {"user_code","verification_uri","verification_uri_complete","expires_in"}
Exit code 0 once signed in; 1 when the sign-in is denied, expires or fails.`;

export interface LoginDeps extends IdentityDeps {
  /** How the browser is opened; tests inject one that drives the provider's pages. */
  opener?: BrowserOpener;
}

export async function loginCommand(argv: string[], io: CommandIO, deps: LoginDeps = {}): Promise<number> {
  const args = parseCommon(argv, { device: { type: 'boolean', default: false } });
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  if (args.positionals.length) throw new WitnessError('USAGE', `witness login takes no arguments (got "${args.positionals[0]}").\n\n${USAGE}`);
  const { config } = resolveConfig(args);
  const service = cliIdentityService(args.dataDir, config, io, deps);
  if (!service.enabled) {
    throw new WitnessError(
      'IDENTITY_NOT_CONFIGURED',
      `Sign-in is not configured for ${args.dataDir}: set identity.issuer and identity.clientId in ${args.configFile ?? 'DATA_DIR/config.json'} (see docs/identity.md).`,
    );
  }
  // Human messages go to stderr in --json mode, so stdout stays machine-readable.
  const say = args.json ? io.err : io.out;
  let session: IdentitySession;
  try {
    if (args.extra.device === true) {
      const d = await service.startDeviceSignIn();
      if (args.json) {
        io.out(JSON.stringify({ user_code: d.userCode, verification_uri: d.verificationUri, verification_uri_complete: d.verificationUriComplete, expires_in: d.expiresIn }));
      } else {
        io.out(`To sign in, open ${d.verificationUri} on any device and enter the code:\n\n    ${d.userCode}\n`);
        if (d.verificationUriComplete) io.out(`Or open ${d.verificationUriComplete}`);
        io.out(`The code expires in ${d.expiresIn >= 120 ? `${Math.round(d.expiresIn / 60)} minutes` : `${d.expiresIn} seconds`}. Waiting…`);
      }
      session = await d.completed;
    } else {
      session = await service.signInWithBrowser({
        open: deps.opener ?? systemBrowser,
        onUrl: (url) => say(`Opening your browser to sign in. If it does not open, visit:\n\n    ${url}\n\nWaiting for the sign-in… (no browser on this machine? use \`witness login --device\`)`),
      });
    }
  } finally {
    service.close();
  }
  const notice = await notifyEngine(args.dataDir);
  if (args.json) io.out(JSON.stringify(whoami(session)));
  else {
    say(`Signed in as ${displayName(session)} (${session.issuer}).`);
    say(`  Groups: ${session.groups.length ? session.groups.join(', ') : '(none)'}`);
  }
  const line = engineLine(notice, session.sub);
  if (line) say(line);
  return 0;
}
