/**
 * The per-install key behind placeholder hashes ([MASKED:type:1a2b]): 32 random bytes kept in
 * the key vault as `masking.key`. The same key gives the same placeholder for the same secret
 * across records; without it a placeholder reveals nothing about the secret.
 *
 * Earlier versions kept it as a plain 0600 file, DATA_DIR/masking.key. The engine moves such a
 * key into the vault (copied, read back, and only then the file removed), so placeholders in
 * earlier records keep matching. A damaged key is refused (MASKING_KEY_INVALID) and never
 * replaced: a new key would silently give every secret a new placeholder.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isWitnessError, WitnessError } from '../errors.js';
import type { KeyVault } from './vault.js';

export const MASKING_KEY = 'masking.key';

const damaged = (where: string, why: string) =>
  new WitnessError(
    'MASKING_KEY_INVALID',
    `The masking key ${where} is damaged (${why}). Restore it from a backup, or delete it: Witness then makes a new key, and the same secret gets a different placeholder than in earlier records.`,
  );

/**
 * The masking key, or null when there is none and `create` is false (a reader such as
 * `witness mask` never makes one). With `create`, a key from an earlier version's file is
 * moved into the vault, or a new one made.
 */
export async function maskingKey(vault: KeyVault, dataDir: string, opts: { create: boolean }): Promise<Buffer | null> {
  const legacyFile = join(dataDir, 'masking.key');
  const where = `"${MASKING_KEY}" in the ${vault.kind} key vault`;
  let stored: Uint8Array | null;
  try {
    stored = await vault.get(MASKING_KEY);
  } catch (e) {
    if (isWitnessError(e) && e.code === 'VAULT_CORRUPT') throw damaged(where, 'it does not open');
    throw e;
  }
  const legacy = existsSync(legacyFile) ? readFileSync(legacyFile) : null;
  if (stored !== null) {
    if (stored.byteLength !== 32) throw damaged(where, `${stored.byteLength} bytes, expected 32`);
    const key = Buffer.from(stored);
    if (legacy && opts.create) {
      // An earlier move stopped after the copy: finish it. Two different keys: keep both, say so.
      if (legacy.length !== 32 || !timingSafeEqual(legacy, key)) {
        throw new WitnessError('MASKING_KEY_INVALID', `Two different masking keys: ${legacyFile} and ${where}. Keep the one your audit records were made with and delete the other (placeholders differ between them).`);
      }
      rmSync(legacyFile, { force: true });
    }
    return key;
  }
  if (legacy) {
    if (legacy.length !== 32) throw damaged(legacyFile, `${legacy.length} bytes, expected 32`);
    if (!opts.create) return legacy;
    await keep(vault, legacy);
    rmSync(legacyFile, { force: true });
    return legacy;
  }
  if (!opts.create) return null;
  const key = randomBytes(32);
  await keep(vault, key);
  return key;
}

/** Stores the key and reads it back: only what the vault returns is known to be kept. */
async function keep(vault: KeyVault, key: Buffer): Promise<void> {
  await vault.set(MASKING_KEY, key);
  const back = await vault.get(MASKING_KEY);
  if (back === null || back.byteLength !== 32 || !timingSafeEqual(back, key)) {
    throw new WitnessError('VAULT_CORRUPT', `The ${vault.kind} key vault did not keep the masking key ("${MASKING_KEY}"): nothing was changed; check the vault and start again.`);
  }
}
