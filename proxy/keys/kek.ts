/**
 * Where the headless vault's key-encryption key comes from, as audit/keyring.ts does for the
 * audit store today:
 *  - a key file (32 random bytes, mode 0600) next to the sealed secrets — the protection of an
 *    SSH key: anyone who can read the user's files can read the secrets;
 *  - a passphrase from the environment, stretched with scrypt (memory-hard), so the secrets
 *    are unreadable without it.
 * Never logs or stores the passphrase or the derived key.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WitnessError } from '../errors.js';
import { createExclusive } from './files.js';

export interface KekSource {
  readonly kind: 'file' | 'passphrase';
  /** The 32-byte key-encryption key; `salt` comes from the vault's header. */
  derive(salt: Buffer): Promise<Buffer>;
}

/** The environment variables that carry the passphrase (the store's one is honoured too). */
export const PASSPHRASE_ENV = 'WITNESS_VAULT_PASSPHRASE';
export const STORE_PASSPHRASE_ENV = 'WITNESS_STORE_PASSPHRASE';

export function keyFileSource(dir: string): KekSource {
  return {
    kind: 'file',
    derive: async () => {
      const file = join(dir, 'vault.key');
      if (!existsSync(file)) createExclusive(file, randomBytes(32), 0o600);
      const key = readFileSync(file);
      if (key.length !== 32) throw new WitnessError('VAULT_CORRUPT', `${file} is not a 32-byte key file: restore it from a backup, or remove the key vault folder ${dir} and sign in again.`);
      return key;
    },
  };
}

/** scrypt N=2^15, r=8, p=1 (32 MiB, ~0.1 s): as the audit keyring; once per process. */
export function passphraseSource(passphrase: string): KekSource {
  return {
    kind: 'passphrase',
    derive: (salt) =>
      new Promise((resolve, reject) =>
        scrypt(passphrase.normalize('NFC'), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))),
      ),
  };
}

/** The passphrase from the environment if one is set, else the key file. */
export function defaultKekSource(dir: string, env: NodeJS.ProcessEnv = process.env): KekSource {
  const passphrase = env[PASSPHRASE_ENV] || env[STORE_PASSPHRASE_ENV];
  return passphrase ? passphraseSource(passphrase) : keyFileSource(dir);
}
