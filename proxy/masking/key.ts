/**
 * The per-install key behind placeholder hashes ([MASKED:type:1a2b]): random, 32 bytes,
 * DATA_DIR/masking.key with mode 0600. The same key gives the same placeholder for the same
 * secret across records; without it a placeholder reveals nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs.js';
import { WitnessError } from '../errors.js';

export function loadOrCreateMaskingKey(dataDir: string): Buffer {
  const file = join(dataDir, 'masking.key');
  if (existsSync(file)) {
    const key = readFileSync(file);
    if (key.length !== 32) {
      throw new WitnessError(
        'MASKING_KEY_INVALID',
        `${file} is damaged (${key.length} bytes, expected 32). Restore it from a backup, or delete it: Witness then makes a new key, and the same secret gets a different placeholder than in earlier records.`,
      );
    }
    return key;
  }
  const key = randomBytes(32);
  writeAtomic(file, key, 0o600);
  return key;
}
