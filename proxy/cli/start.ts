/** `witness start`: run the engine in the foreground until SIGINT/SIGTERM. */
import { Engine } from '../engine.js';
import { tuneGarbageCollector } from '../gc-tuning.js';
import { createLogger } from '../log.js';
import { parseCommon, resolveConfig } from './args.js';
import type { CommandIO } from './io.js';

export async function startCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv);
  if (args.help) {
    io.out(START_HELP);
    return 0;
  }
  tuneGarbageCollector();
  const { config, source } = resolveConfig(args);
  const log = createLogger({ level: config.log.level, write: io.log });
  const engine = new Engine({ dataDir: args.dataDir, config, log });

  // Signal handlers go in before anything is printed: a supervisor that sends SIGTERM as
  // soon as it sees the banner must get a clean shutdown, not the default kill.
  let requestStop: () => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        io.err(`Received ${sig} again: exiting now.`);
        process.exit(1);
      }
      stopping = true;
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    requestStop = () => onSignal('SIGTERM');
  });
  io.onStopRequest?.(() => requestStop());

  await engine.start();
  const status = engine.status();
  const link = engine.signInLink();
  io.out(args.json ? JSON.stringify({ event: 'started', ...status, ui: link }) : startBanner(status, source, link));

  const signal = await stopRequested;
  log.info('shutting down', { signal });
  await engine.stop();
  if (!args.json) io.out('Witness stopped.');
  return 0;
}

function startBanner(s: ReturnType<Engine['status']>, configSource: string, uiLink: string): string {
  const ca = s.ca;
  const dataDirArg = JSON.stringify(s.dataDir);
  return [
    'Witness is running: Copilot traffic through this proxy is intercepted and audited.',
    '',
    `  Proxy        ${s.proxy.url}        (PAC file: ${s.proxy.pacUrl})`,
    `  Control API  ${s.control.url}   (token in ${s.dataDir}/control.json)`,
    `  Window       ${uiLink}   (one-time sign-in link)`,
    `  CA           SHA-256 ${ca.fingerprint256}`,
    `               valid until ${ca.notAfter.slice(0, 10)}, only for: ${ca.permittedSubtrees.join(', ')}`,
    `  Intercepts   ${s.intercept.hosts.join(', ')}`,
    `  Data dir     ${s.dataDir}`,
    `  Config       ${configSource}`,
    '',
    'Next steps:',
    `  1. Save the CA:    witness ca cert --data-dir ${dataDirArg} > witness-ca.pem`,
    '     and trust it (OS trust store, or NODE_EXTRA_CA_CERTS=witness-ca.pem for Node-based clients).',
    `  2. VS Code:        settings.json → "http.proxy": "${s.proxy.url}"`,
    `     Copilot CLI:    HTTPS_PROXY=${s.proxy.url} NODE_EXTRA_CA_CERTS=$PWD/witness-ca.pem copilot`,
    `     JetBrains:      Settings → HTTP Proxy → Manual, host ${s.proxy.host}, port ${s.proxy.port}`,
    `  3. Check:          witness status --data-dir ${dataDirArg}`,
    '',
    'Press Ctrl+C to stop.',
  ].join('\n');
}

const START_HELP = `Usage: witness start [--data-dir DIR] [--port PORT] [--config FILE] [--json]

Runs the Witness engine in the foreground until SIGINT/SIGTERM.
  --data-dir DIR   where the CA, config and audit data live (default: per-user app data)
  --port PORT      proxy port (default 7420; 0 picks a free port)
  --config FILE    JSON config file (default: DATA_DIR/config.json if present)
  --json           print the startup status as one JSON line instead of the banner`;
