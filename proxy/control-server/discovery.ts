/**
 * control.json: how the CLI and the desktop shell find a running engine for a data dir.
 * Mode 0600: it holds the per-run bearer token.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeAtomic } from '../fs.js';
import { dataPaths } from '../config/index.js';
import { WitnessError } from '../errors.js';
// The file's shape lives in the browser-safe contract: the desktop shell reads control.json
// too, and may import only the contract.
import { ControlFileSchema, type ControlFile } from '../control/index.js';

export type { ControlFile };

export function writeControlFile(dataDir: string, info: ControlFile): void {
  writeAtomic(dataPaths(dataDir).control, JSON.stringify(info, null, 2) + '\n', 0o600);
}

export function readControlFile(dataDir: string): ControlFile | null {
  const file = dataPaths(dataDir).control;
  if (!existsSync(file)) return null;
  try {
    return ControlFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

/** Removes control.json only if it still describes this process (a newer engine may own it). */
export function removeControlFile(dataDir: string, pid = process.pid): void {
  const current = readControlFile(dataDir);
  if (current && current.pid !== pid) return;
  rmSync(dataPaths(dataDir).control, { force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Refuses to start a second engine on a data dir whose control.json names a live process. */
export function refuseSecondEngine(dataDir: string): void {
  const existing = readControlFile(dataDir);
  if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
    throw new WitnessError(
      'ALREADY_RUNNING',
      `Witness is already running for ${dataDir} (pid ${existing.pid}, proxy ${existing.proxyUrl}). Stop it first, or use another --data-dir.`,
    );
  }
}
