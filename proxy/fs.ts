/**
 * Durable file writes on the ground floor: a file is replaced whole or not at all, and the
 * replacement survives a crash. Used for keys, key rings, checkpoints, control.json and
 * every other small file Witness owns. Never logs or inspects what it writes.
 */
import { accessSync, chmodSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WitnessError } from './errors.js';

/**
 * Writes `data` to `file` atomically: a temp file next to it (mode set before the data can
 * be read by others), fsynced, renamed over `file`, then the folder fsynced so the rename
 * itself is durable.
 */
export function writeAtomic(file: string, data: Buffer | string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dirname(file));
}

/** Makes renames and new files in `dir` durable. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on every platform (Windows); the rename is still atomic
  }
}

/**
 * Makes `dir` (and its parents) if missing, takes group and other access away, and checks
 * this process can write it. It never adds a permission: a folder its owner made
 * read-only stays read-only, and fails here (`code`: DATA_DIR_UNUSABLE for the data dir,
 * STORE_READ_ONLY for the audit store), as does a folder of another user or on a read-only
 * file system. `what` names it in the message.
 */
export function ensurePrivateDir(dir: string, what: string, code: 'DATA_DIR_UNUSABLE' | 'STORE_READ_ONLY' = 'STORE_READ_ONLY'): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077) chmodSync(dir, mode & 0o700);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS') {
      throw new WitnessError(
        code,
        `Witness cannot write to ${what} ${dir} (${errno}): it keeps the audit store, CA and keys there. Give this user write access to it, or choose another --data-dir.`,
        { cause: e },
      );
    }
    throw e;
  }
}
