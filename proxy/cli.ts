/**
 * `witness` command-line entry: dispatches to one module per command. Nothing else here.
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { isWitnessError } from './errors.js';
import {
  approvalsCommand,
  caCommand,
  configCommand,
  exportCommand,
  loginCommand,
  logoutCommand,
  maskCommand,
  policyCommand,
  processIO,
  searchCommand,
  startCommand,
  statusCommand,
  uiCommand,
  verifyCommand,
  whoamiCommand,
  type CommandIO,
} from './cli/index.js';
import { VERSION } from './version.js';

const COMMANDS: Record<string, (argv: string[], io: CommandIO) => Promise<number>> = {
  start: startCommand,
  status: statusCommand,
  ca: caCommand,
  config: configCommand,
  mask: (argv, io) => maskCommand(argv, io),
  verify: verifyCommand,
  search: searchCommand,
  export: (argv, io) => exportCommand(argv, io),
  policy: policyCommand,
  approvals: approvalsCommand,
  ui: uiCommand,
  login: (argv, io) => loginCommand(argv, io),
  logout: (argv, io) => logoutCommand(argv, io),
  whoami: (argv, io) => whoamiCommand(argv, io),
};

const USAGE = `witness ${VERSION}: GitHub Copilot audit proxy

Usage: witness <command> [options]

Commands:
  start     run the engine (proxy + control API) in the foreground
  status    is an engine running for a data dir, and where
  ca        ca cert: print the CA certificate to trust; ca activate-next
  mask      mask secrets in stdin (stream) or in JSON lines (--jsonl)
  verify    check the audit trail's hash chain (exit 4 when tampered)
  search    search the audit trail (filters + full text)
  export    export the audit trail: --format jsonl|har|ocsf
  policy    policy check FILE | policy show
  approvals approvals list | approve ID | deny ID [--reason TEXT]
  ui        print a one-time link that opens the Witness window in a browser
  config    config schema | config check FILE
  login     sign in with your identity provider (--device: without a browser here)
  logout    sign out (deletes the session here, revokes it at the provider)
  whoami    who is signed in (exit 3 when nobody is)

Common options: --data-dir DIR, --port PORT, --config FILE, --json
Run "witness <command> --help" for details.`;

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === 'version') {
    io.out(VERSION);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (isWitnessError(e)) {
      io.err(`witness: ${e.message} [${e.code}]`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    io.err(`witness: unexpected error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
