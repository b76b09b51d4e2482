/**
 * `witness setup [TARGET…] [--dry-run] [--system]` and `witness setup --undo TARGET`:
 * points clients at this data dir's Witness. Every file changed outside the data dir is
 * backed up first; `--dry-run` prints the diffs and commands without changing anything.
 */
import { ensureCa, readCaCertificates } from '../ca/index.js';
import { dataPaths } from '../config/index.js';
import { WitnessError } from '../errors.js';
import { effectiveInterceptHosts } from '../intercept/index.js';
import { hostEnv, isSetupTarget, rootCert, runSetup, SETUP_TARGETS, undoTarget, type SetupContext, type SetupResult, type SetupTarget } from '../setup/index.js';
import { parseCommon, resolveConfig, unknownSubcommand, type CommonArgs } from './args.js';
import { findEngine } from './engine-link.js';
import { ensureWritableDataDir } from './data-dir.js';
import { cliInvocation } from './invocation.js';
import type { CommandIO } from './io.js';

/** `witness setup` alone: the order matters (the CA files first, the bundle before the CLI wrapper). */
const ALL: SetupTarget[] = ['trust', 'node-ca', 'copilot-cli', 'vscode', 'jetbrains'];

const HELP = `Usage: witness setup [TARGET...] [--dry-run] [--system] [--data-dir DIR] [--json]
       witness setup --undo TARGET [--dry-run] [--force]

Points Copilot clients at this Witness. Without TARGET: all of them, in this order.
  trust        the Witness root in trust stores, for TLS servers only: the NSS database
               ~/.pki/nssdb (Linux; created if missing); with --system also the system
               store (Linux ca-certificates as root, else the sudo lines are printed;
               macOS login keychain -p ssl; Windows CurrentUser\\Root)
  node-ca      one NODE_EXTRA_CA_CERTS bundle = what it named before + the Witness root,
               exported from your shell startup file (corporate CAs keep working)
  copilot-cli  an env file and a \`copilot\` shell function: proxy + CA for that command only
  vscode       user settings of each VS Code flavour and of each VS Code server (Remote/WSL):
               http.proxy, http.proxyStrictSSL true, http.systemCertificates true
  jetbrains    the exact steps for JetBrains IDEs (their proxy file is not documented)

  --dry-run    print the diff of every file and the commands; change nothing
  --system     also install into the OS / system-wide trust store (see trust)
  --undo NAME  restore the files setup changed byte for byte and undo its commands
               (refused when a file was edited since; --force restores anyway)
TLS verification is never turned off. Backups: DATA_DIR/setup/backups/.`;

export async function setupCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(
    argv,
    {
      'dry-run': { type: 'boolean', default: false },
      system: { type: 'boolean', default: false },
      undo: { type: 'string', oneOf: [...SETUP_TARGETS, 'all'] },
      force: { type: 'boolean', default: false },
    },
    'witness setup',
  );
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  const dryRun = args.extra['dry-run'] === true;
  const results: SetupResult[] = [];
  const h = hostEnv(args.dataDir);
  if (typeof args.extra.undo === 'string') {
    if (args.positionals.length) throw new WitnessError('USAGE', 'witness setup: --undo takes one target and no other (witness setup --undo vscode).');
    const targets = args.extra.undo === 'all' ? [...ALL].reverse() : [args.extra.undo as SetupTarget];
    for (const t of targets) results.push(await undoTarget(t, h, { dryRun, force: args.extra.force === true }));
  } else {
    for (const p of args.positionals) if (!isSetupTarget(p)) throw unknownSubcommand('witness setup', p, SETUP_TARGETS);
    const targets = args.positionals.length ? ALL.filter((t) => args.positionals.includes(t)) : ALL;
    const { ctx, hosts } = await context(args, h, args.extra.system === true, dryRun);
    for (const t of targets) results.push(await runSetup(t, ctx, hosts, { dryRun }));
  }
  const failed = results.some((r) => r.commands.some((c) => c.ran && !c.ok));
  io.out(args.json ? JSON.stringify(results, null, 2) : results.map((r) => render(r)).join('\n\n') + `\n\nNext: ${cliInvocation()} doctor${args.dataDirGiven ? ` --data-dir ${JSON.stringify(args.dataDir)}` : ''}`);
  return failed ? 1 : 0;
}

async function context(args: CommonArgs, h: SetupContext['h'], system: boolean, dryRunOnly: boolean): Promise<{ ctx: SetupContext; hosts: string[] }> {
  const { config } = resolveConfig(args);
  const link = await findEngine(args.dataDir);
  const hosts = link.status?.intercept.hosts ?? effectiveInterceptHosts(config.intercept);
  const caDir = dataPaths(args.dataDir).caDir;
  let { current, next } = readCaCertificates(caDir);
  if (!current) {
    if (dryRunOnly) throw new WitnessError('CA_INVALID', `There is no CA in ${caDir} yet, and a dry run creates nothing: start Witness (\`${cliInvocation()} start --background\`) or run \`${cliInvocation()} ca cert\` first.`);
    ensureWritableDataDir(args.dataDir);
    await ensureCa({ caDir, hosts, validityDays: config.ca.validityDays, renewBeforeDays: config.ca.renewBeforeDays });
    ({ current, next } = readCaCertificates(caDir));
  }
  if (!current) throw new WitnessError('CA_INVALID', `No CA in ${caDir}.`);
  const host = config.proxy.host.includes(':') ? `[${config.proxy.host}]` : config.proxy.host;
  const proxy = link.status
    ? { url: link.status.proxy.url, host: link.status.proxy.host, port: link.status.proxy.port, pacUrl: link.status.proxy.pacUrl }
    : { url: `http://${host}:${config.proxy.port}`, host: config.proxy.host, port: config.proxy.port, pacUrl: `http://${host}:${config.proxy.port}/proxy.pac` };
  if (!link.status && config.proxy.port === 0) throw new WitnessError('USAGE', 'witness setup: the proxy port is 0 (picked at each start); start Witness first, or set proxy.port in the config.');
  return { ctx: { h, proxy, roots: [rootCert(current.certPem), ...(next ? [rootCert(next.certPem)] : [])], system }, hosts };
}

export function render(r: SetupResult): string {
  const title = `${r.undo ? 'undo ' : ''}${r.target}${r.dryRun ? ' (dry run: nothing changed)' : ''}`;
  const lines = [`${title}:`];
  for (const f of r.files) {
    lines.push(`  ${r.dryRun ? `would be ${f.action}` : f.action}: ${f.path}`);
    if (r.dryRun && f.diff) lines.push(...f.diff.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  for (const c of r.commands) lines.push(`  ${c.ran ? (c.ok ? 'ran' : 'FAILED') : 'would run'}: ${c.command}${c.ran && !c.ok && c.output ? `\n    ${c.output.split('\n').join('\n    ')}` : ''}`);
  if (!r.files.length && !r.commands.length && !r.undo && r.target !== 'jetbrains') lines.push('  already set up: nothing to change');
  if (r.backup && !r.dryRun && !r.undo) lines.push(`  originals saved in ${r.backup} (undo: witness setup --undo ${r.target})`);
  for (const n of r.notes) lines.push(`  ${n}`);
  return lines.join('\n');
}
