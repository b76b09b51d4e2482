/**
 * `witness start`: run the engine in the foreground until SIGINT/SIGTERM or `witness stop`;
 * with --background, detached (log and pid file in the data dir). The control API keeps
 * the same port across restarts (control-port.ts), so the window URL stays the same. In the
 * foreground each new hold is printed with its link (hold-lines.ts).
 */
import { readFileSync } from 'node:fs';
import { isProcessAlive, readControlFile } from '../control-server/index.js';
import { Engine } from '../engine.js';
import { WitnessError } from '../errors.js';
import { tuneGarbageCollector } from '../gc-tuning.js';
import { engineKeyVaults } from '../keys/index.js';
import { createLogger } from '../log.js';
import { parseCommon, resolveConfig, type CommonArgs } from './args.js';
import { backgroundFiles, removeBackgroundPid, startInBackground } from './background.js';
import { stableControlPort } from './control-port.js';
import { ensureWritableDataDir, recordStop } from './data-dir.js';
import { findEngine } from './engine-link.js';
import { holdPrinter } from './hold-lines.js';
import { cliInvocation } from './invocation.js';
import type { CommandIO } from './io.js';

export async function startCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, { background: { type: 'boolean', default: false } }, 'witness start');
  if (args.help) {
    io.out(START_HELP);
    return 0;
  }
  ensureWritableDataDir(args.dataDir);
  refuseIfRunning(args.dataDir);
  if (args.extra.background === true) return background(args, argv, io);

  tuneGarbageCollector();
  const { config, source } = resolveConfig(args);
  config.control.port = await stableControlPort(args.dataDir, config.control.port);
  const log = createLogger({ level: config.log.level, write: io.log });

  // Signal handlers go in before anything is printed: a supervisor that sends SIGTERM as
  // soon as it sees the banner must get a clean shutdown, not the default kill.
  let requestStop: (reason: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    let stopping = false;
    const onStop = (reason: string) => {
      if (stopping) {
        io.err(`Received ${reason} again: exiting now.`);
        process.exit(1);
      }
      stopping = true;
      resolve(reason);
    };
    process.on('SIGINT', () => onStop('SIGINT'));
    process.on('SIGTERM', () => onStop('SIGTERM'));
    requestStop = onStop;
  });
  io.onStopRequest?.(() => requestStop('SIGTERM'));

  // Started by the desktop app: secrets stay in its OS keychain, asked for over the parent port.
  const vaults = engineKeyVaults(process.env);
  if (vaults.keyVault) log.info('key vault: served by the desktop app', { kind: vaults.keyVault.kind });
  if (vaults.keyVaultPrevious) log.info('key vault: moving secrets out of the desktop app\'s vault into DATA_DIR/keys');
  const engine = new Engine({ dataDir: args.dataDir, config, log, ...vaults, onShutdownRequest: () => requestStop('witness stop') });
  await engine.start();
  const status = engine.status();
  const link = engine.signInLink();
  io.out(args.json ? JSON.stringify({ event: 'started', ...status, ui: link }) : startBanner(status, source, link, args));
  const dd = args.dataDirGiven ? ` --data-dir ${JSON.stringify(args.dataDir)}` : '';
  const stopHolds = engine.bus.subscribe(holdPrinter({ controlUrl: status.control.url, cli: cliInvocation(), dataDirArg: dd, json: args.json, out: io.out }));

  const reason = await stopRequested;
  stopHolds();
  log.info('shutting down', { reason });
  await engine.stop();
  recordStop(args.dataDir, { pid: process.pid, stoppedAt: new Date().toISOString(), reason });
  if (readPid(args.dataDir) === process.pid) removeBackgroundPid(args.dataDir);
  if (!args.json) io.out('Witness stopped.');
  return 0;
}

function readPid(dataDir: string): number | null {
  try {
    return Number(readFileSync(backgroundFiles(dataDir).pid, 'utf8').trim());
  } catch {
    return null;
  }
}

/** One engine per data dir: a second one gets ALREADY_RUNNING, not a port clash. */
function refuseIfRunning(dataDir: string) {
  const existing = readControlFile(dataDir);
  if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
    throw new WitnessError(
      'ALREADY_RUNNING',
      `Witness is already running for ${dataDir} (pid ${existing.pid}, proxy ${existing.proxyUrl}). Use it, stop it with \`${cliInvocation()} stop\`, or start another with a different --data-dir.`,
    );
  }
}

async function background(args: CommonArgs, argv: string[], io: CommandIO): Promise<number> {
  const rest = argv.filter((a) => a !== '--background');
  // The child must use the same data dir even when it came from the default or the environment.
  if (!args.extra['data-dir']) rest.push('--data-dir', args.dataDir);
  const { pid, log } = await startInBackground(args.dataDir, rest);
  const link = await findEngine(args.dataDir);
  const cli = cliInvocation();
  const dd = args.dataDirGiven ? ` --data-dir ${JSON.stringify(args.dataDir)}` : '';
  if (args.json) {
    io.out(JSON.stringify({ event: 'started', background: true, pid, log, ...(link.status ?? {}) }));
    return 0;
  }
  const ui = link.client ? (await link.client.call('uiLink', {})).url : null;
  io.out(
    [
      `Witness is running in the background (pid ${pid}).`,
      `  Proxy   ${link.status?.proxy.url ?? '?'}`,
      ...(ui ? [`  Window  ${ui}   (one-time sign-in link; later: ${cli} ui${dd})`] : []),
      `  Log     ${log}`,
      `  Stop    ${cli} stop${dd}`,
      `Next: ${cli} setup${dd}   then   ${cli} doctor${dd}`,
    ].join('\n'),
  );
  return 0;
}

function startBanner(s: ReturnType<Engine['status']>, configSource: string, uiLink: string, args: CommonArgs): string {
  const ca = s.ca;
  const cli = cliInvocation();
  const dd = args.dataDirGiven ? ` --data-dir ${JSON.stringify(s.dataDir)}` : '';
  return [
    'Witness is running: Copilot traffic through this proxy is intercepted and audited.',
    '',
    `  Proxy        ${s.proxy.url}        (PAC file: ${s.proxy.pacUrl})`,
    `  Control API  ${s.control.url}   (token in ${s.dataDir}/control.json)`,
    `  Window       ${uiLink}   (one-time sign-in link; a new one: ${cli} ui${dd})`,
    `  CA           SHA-256 ${ca.fingerprint256}`,
    `               valid until ${ca.notAfter.slice(0, 10)}, only for: ${ca.permittedSubtrees.join(', ')}`,
    `  Intercepts   ${s.intercept.hosts.join(', ')}`,
    `  Data dir     ${s.dataDir}`,
    `  Config       ${configSource}`,
    '',
    'Next steps (in another terminal):',
    `  1. Set up clients:  ${cli} setup${dd}        (VS Code, Copilot CLI, trust stores; add --dry-run to see the changes first)`,
    `  2. Check:           ${cli} doctor${dd}`,
    '  By hand instead:',
    `     CA file:         ${cli} ca cert${dd} > witness-ca.pem   then trust it (OS store, or NODE_EXTRA_CA_CERTS for Node-based clients)`,
    `     VS Code:         settings.json → "http.proxy": "${s.proxy.url}"`,
    `     Copilot CLI:     HTTPS_PROXY=${s.proxy.url} NODE_EXTRA_CA_CERTS=$PWD/witness-ca.pem copilot`,
    `     JetBrains:       Settings → HTTP Proxy → Manual, host ${s.proxy.host}, port ${s.proxy.port}`,
    '',
    `Press Ctrl+C to stop (or run \`${cli} stop${dd}\` in another terminal).`,
  ].join('\n');
}

const START_HELP = `Usage: witness start [--background] [--data-dir DIR] [--port PORT] [--config FILE] [--json]

Runs the Witness engine until SIGINT/SIGTERM or \`witness stop\`.
  --background     detach: output goes to DATA_DIR/witness.log, the pid to DATA_DIR/witness.pid;
                   returns once the engine answers (stop it with \`witness stop\`)
  --data-dir DIR   where the CA, config and audit data live (default: per-user app data)
  --port PORT      proxy port (default 7420; 0 picks a free port)
  --config FILE    JSON config file (default: DATA_DIR/config.json if present)
  --json           print the startup status as one JSON line instead of the banner
While it runs, each tool call held for approval is printed on one line with the window link
and the \`witness approvals approve|deny ID\` commands (with --json: an "approval.requested" line).
The window's address (the control API port) is picked once per data dir and kept while free.
Exit codes: 0 clean stop, 1 error (ALREADY_RUNNING when an engine already runs for DIR).`;
