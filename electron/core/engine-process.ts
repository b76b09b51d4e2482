/**
 * Adapts a spawned process (Electron's utilityProcess or Node's child_process; both have a
 * pid, kill(), an "exit" event and stdout/stderr streams) to the supervisor's EngineProcess.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { EngineProcess } from './engine-supervisor.js';

export interface SpawnedLike {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals | number): boolean;
  on(event: 'exit', cb: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown;
}

export function engineProcess(p: SpawnedLike): EngineProcess {
  const lines = (stream: Readable | null, cb: (line: string) => void) => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', cb);
  };
  return {
    get pid() {
      return p.pid;
    },
    terminate: () => void p.kill('SIGTERM'),
    onExit: (cb) => void p.on('exit', (code, signal) => cb(code, signal ?? null)),
    onStdoutLine: (cb) => lines(p.stdout, cb),
    onStderrLine: (cb) => lines(p.stderr, cb),
  };
}
