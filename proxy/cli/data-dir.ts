/**
 * The data dir as a command needs it: created (0700) and writable, or one line that names
 * the directory and how to choose another — never a stack trace from deep inside a start.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WitnessError } from '../errors.js';

function unusable(dir: string, why: string): WitnessError {
  return new WitnessError('DATA_DIR_UNUSABLE', `cannot use the data dir ${dir}: ${why}. Choose a directory you can write with --data-dir DIR (or WITNESS_DATA_DIR), or fix its permissions.`);
}

/** Creates the data dir when missing and checks that this user can write it. */
export function ensureWritableDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw unusable(dir, `${err.code ?? 'error'} creating it (${err.message.split(',')[0]})`);
  }
  if (!statSync(dir).isDirectory()) throw unusable(dir, 'it is not a directory');
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw unusable(dir, `${(e as NodeJS.ErrnoException).code ?? 'no access'}: it is not writable by this user`);
  }
}

/** For commands that only read: the data dir must exist. */
export function requireExistingDataDir(dir: string, what: string): void {
  if (!existsSync(dir)) {
    throw new WitnessError('DATA_DIR_UNUSABLE', `no Witness data dir at ${dir} (it does not exist), so there is no ${what} to read. Pass the engine's data dir with --data-dir DIR (or WITNESS_DATA_DIR).`);
  }
}

export interface LastStop {
  pid: number;
  stoppedAt: string;
  reason: string;
}

const lastStopFile = (dir: string) => join(dir, 'last-stop.json');

export function recordStop(dir: string, s: LastStop): void {
  try {
    writeFileSync(lastStopFile(dir), JSON.stringify(s) + '\n', { mode: 0o600 });
  } catch {
    // best effort: status falls back to "not running"
  }
}

export function readLastStop(dir: string): LastStop | null {
  try {
    const v = JSON.parse(readFileSync(lastStopFile(dir), 'utf8')) as LastStop;
    return typeof v.pid === 'number' && typeof v.stoppedAt === 'string' ? v : null;
  } catch {
    return null;
  }
}
