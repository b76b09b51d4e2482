/**
 * Wrapping keys kept in the vault. The CA's key files and the audit store's keyring stay in
 * the data dir, sealed (AES-256-GCM) under a random 32-byte key that only the vault holds:
 * `ca.kek` and `audit.kek`. Moving a data dir from one vault to another (headless ↔ desktop)
 * then moves two small secrets and never rewrites the CA or the store.
 */
import { randomBytes } from 'node:crypto';
import { WitnessError } from '../errors.js';
import type { KeyVault } from './vault.js';

export const CA_WRAPPING_KEY = 'ca.kek';
export const AUDIT_WRAPPING_KEY = 'audit.kek';

/**
 * The wrapping key `name`, or null when the vault has none and `create` is false. Callers
 * create one only when nothing on disk is sealed under it yet: a missing key with sealed
 * files is a locked data dir, and a new key would orphan them.
 */
export async function wrappingKey(vault: KeyVault, name: string, create: boolean): Promise<Buffer | null> {
  const have = await vault.get(name);
  if (have !== null) return checked(vault, name, have);
  if (!create) return null;
  await vault.set(name, randomBytes(32));
  // What is read back is what is durable (and what another process stored, if it was faster).
  const stored = await vault.get(name);
  if (stored === null) throw new WitnessError('VAULT_CORRUPT', `The ${vault.kind} key vault did not keep the new key "${name}": nothing was sealed under it; check the vault and start again.`);
  return checked(vault, name, stored);
}

function checked(vault: KeyVault, name: string, key: Uint8Array): Buffer {
  if (key.byteLength !== 32) throw new WitnessError('VAULT_CORRUPT', `The key "${name}" in the ${vault.kind} key vault is not a 32-byte key: restore the vault from a backup.`);
  return Buffer.from(key);
}
