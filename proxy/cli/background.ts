/**
 * `witness start --background`: the same engine, detached, its output appended to
 * DATA_DIR/witness.log and its pid in DATA_DIR/witness.pid. Returns once the engine answers
 * on its control API, or with the log's last lines when it exited instead.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../control-server/index.js';
import { WitnessError } from '../errors.js';
import { findEngine } from './engine-link.js';
import { launcherPath } from './invocation.js';

export function backgroundFiles(dataDir: string) {
  return { log: join(dataDir, 'witness.log'), pid: join(dataDir, 'witness.pid') };
}

export function removeBackgroundPid(dataDir: string): void {
  rmSync(backgroundFiles(dataDir).pid, { force: true });
}

/** Starts `witness start ARGS` detached; resolves with its pid once its control API answers. */
export async function startInBackground(dataDir: string, args: string[], timeoutMs = 120_000): Promise<{ pid: number; log: string }> {
  const files = backgroundFiles(dataDir);
  const logStart = existsSync(files.log) ? statSync(files.log).size : 0;
  const fd = openSync(files.log, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, [launcherPath(), 'start', ...args], { detached: true, stdio: ['ignore', fd, fd], env: process.env, windowsHide: true });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new WitnessError('LISTEN_FAILED', `Could not start Witness in the background; see ${files.log}.`);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  writeFileSync(files.pid, `${pid}\n`, { mode: 0o600 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const link = await findEngine(dataDir);
    if (link.status && link.status.pid === pid) return { pid, log: files.log };
    if (exited !== undefined || !isProcessAlive(pid)) {
      removeBackgroundPid(dataDir);
      const tail = readFileSync(files.log, 'utf8').slice(logStart).trim().split('\n').slice(-5).join('\n');
      // The foreground start printed its own one-line error (with its code); pass it on.
      const line = tail.split('\n').reverse().find((l) => l.startsWith('witness: ')) ?? tail;
      throw new WitnessError(/\[ALREADY_RUNNING\]/.test(line) ? 'ALREADY_RUNNING' : 'LISTEN_FAILED', `${line.replace(/^witness: /, '').replace(/ \[[A-Z_]+\]$/, '')} (log: ${files.log})`);
    }
    if (Date.now() > deadline) throw new WitnessError('LISTEN_FAILED', `Witness (pid ${pid}) did not answer within ${timeoutMs / 1000} s; see ${files.log}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
