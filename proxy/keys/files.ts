/**
 * File primitives of the headless vault: create-if-absent without a race between processes
 * (the CLI and a running engine may both open the vault for the first time at once), and
 * atomic replacement for sealed secrets.
 */
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `data` to `file` only if no file is there yet, whole or not at all: a temporary file
 * is written and synced, then hard-linked into place (link fails if the name exists).
 * Returns false when another process got there first; its file stands.
 */
export function createExclusive(file: string, data: Buffer | string, mode: number): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  try {
    chmodSync(tmp, mode);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}
