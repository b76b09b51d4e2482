/** A small tmpfs for full-disk tests, where this machine lets a test mount one (Linux, root or a user namespace). */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** Whether mountTmpfs works here (checked once, with a 64 KB mount). */
export const canMountTmpfs: boolean = (() => {
  if (process.platform !== 'linux') return false;
  const d = mkdtempSync(join(tmpdir(), 'witness-mount-probe-'));
  const ok = mountTmpfs(d, '64k');
  if (ok) unmount(d);
  rmSync(d, { recursive: true, force: true });
  return ok;
})();

/** Fills the file system holding `dir`; returns the filler file (delete it to free the space). */
export function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  return file;
}
