/**
 * Durable file writes on the ground floor: a file is replaced whole or not at all, and the
 * replacement survives a crash. Used for keys, key rings, checkpoints, control.json and
 * every other small file Witness owns. Never logs or inspects what it writes.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';

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
