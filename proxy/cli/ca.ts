/**
 * `witness ca cert`: the PEM clients must trust (current CA, plus the next one while a
 * rotation is pending). Creates the CA if this data dir has none yet, so trust can be
 * installed before the first start. `witness ca activate-next` switches early.
 */
import { activateNext, ensureCa, readCaCertificates } from '../ca/index.js';
import { dataPaths } from '../config/index.js';
import { effectiveInterceptHosts } from '../intercept/index.js';
import { WitnessError } from '../errors.js';
import { parseCommon, resolveConfig, unknownSubcommand } from './args.js';
import { ensureWritableDataDir } from './data-dir.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness ca cert [--data-dir DIR] [--json]
       witness ca activate-next [--data-dir DIR]

  cert           print the CA certificate(s) to trust, as PEM (with --json: fingerprints and dates)
  activate-next  switch to the pending next CA now (restart the engine afterwards)`;

export async function caCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, {}, 'witness ca');
  const sub = args.positionals[0];
  if (args.help || !sub) {
    io.out(HELP);
    return sub || args.help ? 0 : 2;
  }
  const caDir = dataPaths(args.dataDir).caDir;
  if (sub === 'cert') {
    let { current, next } = readCaCertificates(caDir);
    if (!current) {
      ensureWritableDataDir(args.dataDir);
      const { config } = resolveConfig(args);
      await ensureCa({
        caDir,
        hosts: effectiveInterceptHosts(config.intercept),
        validityDays: config.ca.validityDays,
        renewBeforeDays: config.ca.renewBeforeDays,
      });
      ({ current, next } = readCaCertificates(caDir));
    }
    if (!current) throw new WitnessError('CA_INVALID', `No CA in ${caDir}.`);
    if (args.json) {
      const info = (c: typeof current) => ({
        subject: c.subject,
        fingerprint256: c.fingerprint256,
        notBefore: c.notBefore.toISOString(),
        notAfter: c.notAfter.toISOString(),
        permittedSubtrees: c.permittedSubtrees,
        pem: c.certPem,
      });
      io.out(JSON.stringify({ current: info(current), next: next ? info(next) : null }, null, 2));
    } else {
      process.stdout.write(current.certPem + (next ? next.certPem : ''));
    }
    return 0;
  }
  if (sub === 'activate-next') {
    const info = await activateNext(caDir);
    io.out(`The next CA (SHA-256 ${info.fingerprint256}) is now active. Restart Witness to use it.`);
    return 0;
  }
  throw unknownSubcommand('witness ca', sub, ['cert', 'activate-next']);
}
