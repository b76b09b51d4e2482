/**
 * `witness ca cert`: the root certificate(s) clients must trust (current, plus the next one
 * while a rotation or the upgrade to a two-level CA is pending), PEM on stdout; what the
 * user must do about trust goes to stderr. Creates the CA if this data dir has none yet
 * (so trust can be installed before the first start), and starts the upgrade of a
 * single-level CA. `witness ca activate-next` switches early.
 */
import { activateNext, caNotice, ensureCa, readCaCertificates, switchAt, type CaCertInfo, type CaChainInfo } from '../ca/index.js';
import { dataPaths } from '../config/index.js';
import { effectiveInterceptHosts } from '../intercept/index.js';
import { WitnessError } from '../errors.js';
import { parseCommon, resolveConfig, unknownSubcommand } from './args.js';
import { ensureWritableDataDir } from './data-dir.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness ca cert [--data-dir DIR] [--json]
       witness ca activate-next [--data-dir DIR]

  cert           print the root certificate(s) to trust, as PEM (with --json: fingerprints,
                 dates and the issuing CA that signs leaves)
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
    let config: ReturnType<typeof resolveConfig>['config'] | null = null;
    const loadConfig = () => (config ??= resolveConfig(args).config);
    if (!current || (current.singleLevel && !next)) {
      ensureWritableDataDir(args.dataDir);
      const c = loadConfig();
      await ensureCa({ caDir, hosts: effectiveInterceptHosts(c.intercept), validityDays: c.ca.validityDays, renewBeforeDays: c.ca.renewBeforeDays });
      ({ current, next } = readCaCertificates(caDir));
    }
    if (!current) throw new WitnessError('CA_INVALID', `No CA in ${caDir}.`);
    // Only a single-level CA's switch date depends on the configuration.
    const at = next ? switchAt(current, next, current.singleLevel ? loadConfig().ca.renewBeforeDays : 0) : null;
    const notice = caNotice(current, next, at);
    if (args.json) {
      const cert = (c: CaCertInfo) => ({
        subject: c.subject,
        fingerprint256: c.fingerprint256,
        notBefore: c.notBefore.toISOString(),
        notAfter: c.notAfter.toISOString(),
        pem: c.certPem,
      });
      const info = (c: CaChainInfo) => ({
        ...cert(c),
        permittedSubtrees: c.permittedSubtrees,
        // null: a single-level CA from an older Witness, which signs leaves itself.
        issuing: c.singleLevel ? null : cert(c.issuing),
      });
      io.out(JSON.stringify({ current: info(current), next: next ? info(next) : null, switchAt: at?.toISOString() ?? null, notice }, null, 2));
    } else {
      process.stdout.write(current.certPem + (next ? next.certPem : ''));
      if (notice) io.err(notice);
    }
    return 0;
  }
  if (sub === 'activate-next') {
    const before = readCaCertificates(caDir).current;
    const info = await activateNext(caDir);
    io.out(`The next CA (SHA-256 ${info.fingerprint256}) is now active. Restart Witness to use it.`);
    if (before) io.out(`Once no client needs it, remove the previous CA (SHA-256 ${before.fingerprint256}) from trust stores.`);
    return 0;
  }
  throw unknownSubcommand('witness ca', sub, ['cert', 'activate-next']);
}
