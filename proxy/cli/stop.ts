/**
 * `witness stop`: asks the engine for this data dir to shut down (the control API, the
 * same clean path as Ctrl+C), falls back to SIGTERM, and waits until the process is gone.
 */
import { isProcessAlive, readControlFile } from '../control-server/index.js';
import { WitnessError } from '../errors.js';
import { parseCommon } from './args.js';
import { findEngine } from './engine-link.js';
import type { CommandIO } from './io.js';
import { removeBackgroundPid } from './background.js';

const HELP = `Usage: witness stop [--data-dir DIR] [--timeout SECONDS] [--json]

Stops the engine running for DIR cleanly (held approvals answered, records flushed) and
waits until it has exited (default up to 60 s). Exit 0 when stopped or when none was
running, 1 when it did not stop in time.`;

export async function stopCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, { timeout: { type: 'string', int: [1, 3600] } }, 'witness stop');
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  const timeoutMs = Number(args.extra.timeout ?? 60) * 1000;
  const control = readControlFile(args.dataDir);
  if (!control || !isProcessAlive(control.pid)) {
    removeBackgroundPid(args.dataDir);
    io.out(args.json ? JSON.stringify({ stopped: false, running: false }) : `Witness is not running for ${args.dataDir}; nothing to stop.`);
    return 0;
  }
  const link = await findEngine(args.dataDir);
  let asked = false;
  if (link.client) {
    try {
      await link.client.call('shutdown', {});
      asked = true;
    } catch {
      // an older or wedged engine: SIGTERM below
    }
  }
  if (!asked) process.kill(control.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(control.pid)) {
    if (Date.now() > deadline) throw new WitnessError('STOP_TIMEOUT', `Witness (pid ${control.pid}) did not stop within ${timeoutMs / 1000} s; see its log, or end it with kill ${control.pid}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
  removeBackgroundPid(args.dataDir);
  io.out(args.json ? JSON.stringify({ stopped: true, pid: control.pid }) : `Witness (pid ${control.pid}) stopped.`);
  return 0;
}
