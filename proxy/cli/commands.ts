/**
 * Every `witness` command: its name, one line for `witness --help`, and the module that
 * runs it. Adding a command is one line here.
 */
import { approvalsCommand, uiCommand } from './approvals.js';
import { exportCommand, searchCommand, verifyCommand } from './audit.js';
import { caCommand } from './ca.js';
import { configCommand } from './config.js';
import { doctorCommand } from './doctor.js';
import type { CommandIO } from './io.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { maskCommand } from './mask.js';
import { policyCommand } from './policy.js';
import { setupCommand } from './setup.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';
import { whoamiCommand } from './whoami.js';
import { VERSION } from '../version.js';

export interface CommandDef {
  summary: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

export const COMMANDS: Record<string, CommandDef> = {
  start: { summary: 'run the engine (proxy + control API); --background detaches it', run: startCommand },
  stop: { summary: 'stop the engine running for a data dir', run: stopCommand },
  status: { summary: 'is an engine running for a data dir, where, and is traffic really intercepted', run: statusCommand },
  setup: { summary: 'point VS Code, the Copilot CLI, JetBrains and trust stores at Witness (undoable)', run: setupCommand },
  doctor: { summary: 'check every link from Copilot to Witness; each problem with its fix', run: doctorCommand },
  ca: { summary: 'ca cert: print the CA certificate to trust; ca activate-next', run: caCommand },
  mask: { summary: 'mask secrets in stdin (stream) or in JSON lines (--jsonl)', run: (argv, io) => maskCommand(argv, io) },
  verify: { summary: "check the audit trail's hash chain (exit 4 when tampered)", run: verifyCommand },
  search: { summary: 'search the audit trail (filters + full text)', run: searchCommand },
  export: { summary: 'export the audit trail: --format jsonl|har|ocsf', run: (argv, io) => exportCommand(argv, io) },
  policy: { summary: 'policy check FILE | policy show [--all]', run: policyCommand },
  approvals: { summary: 'approvals list | approve ID | deny ID [--reason TEXT] (ID: any unique prefix)', run: approvalsCommand },
  ui: { summary: 'print a one-time link that opens the Witness window in a browser', run: uiCommand },
  config: { summary: 'config schema | config check FILE', run: configCommand },
  login: { summary: 'sign in with your identity provider (--device: without a browser here)', run: (argv, io) => loginCommand(argv, io) },
  logout: { summary: 'sign out (deletes the session here, revokes it at the provider)', run: (argv, io) => logoutCommand(argv, io) },
  whoami: { summary: 'who is signed in (exit 3 when nobody is)', run: (argv, io) => whoamiCommand(argv, io) },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    `witness ${VERSION}: GitHub Copilot audit proxy`,
    '',
    'Usage: witness <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'Common options: --data-dir DIR, --port PORT, --config FILE, --json, --help',
    'Run "witness <command> --help" for details. From a clone without `npm link`: npx witness <command>.',
  ].join('\n');
}
