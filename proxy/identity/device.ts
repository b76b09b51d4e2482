/**
 * This installation's device id (`device` in every audit record): the host name and 8
 * random hex digits, created once and kept in DATA_DIR/device.json, so it stays the same
 * across restarts and host renames and differs between two data dirs on one machine.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from '../fs.js';

export function deviceId(dataDir: string): string {
  const f = join(dataDir, 'device.json');
  if (existsSync(f)) {
    try {
      return (JSON.parse(readFileSync(f, 'utf8')) as { id: string }).id;
    } catch {
      // fall through and recreate
    }
  }
  const id = `${hostname()}-${randomBytes(4).toString('hex')}`;
  writeAtomic(f, JSON.stringify({ id }) + '\n', 0o644);
  return id;
}
