/**
 * The audit store's data key (32 random bytes) is stored only wrapped (AES-256-GCM) by a
 * key-encryption key from a KeyProvider:
 *  - headless default: a key file DATA_DIR/store/kek.key (0600);
 *  - headless with WITNESS_STORE_PASSPHRASE: scrypt(passphrase) — memory-hard;
 *  - desktop: the Electron shell supplies a provider backed by the OS keychain (safeStorage).
 * A wrong key or passphrase fails authentication: a clear error, and nothing is rewritten.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs.js';
import { WitnessError } from '../errors.js';
import { open, seal } from '../aead.js';

export interface KeyProvider {
  readonly kind: string;
  /** The key-encryption key; `salt` comes from the keyring (passphrase providers use it). */
  kek(salt: Buffer): Promise<Buffer> | Buffer;
}

function fileKeyProvider(storeDir: string): KeyProvider {
  return {
    kind: 'file',
    kek: () => {
      const file = join(storeDir, 'kek.key');
      if (!existsSync(file)) {
        // A store that exists was locked with a key file that is gone: a new one could never
        // open it, and writing one would hide what happened.
        if (existsSync(join(storeDir, 'keyring.json'))) {
          throw new WitnessError('STORE_KEY_WRONG', `The audit store's key file ${file} is missing: restore it from a backup. No key was written; without it the audit store cannot be opened.`);
        }
        writeAtomic(file, randomBytes(32), 0o600);
      }
      const k = readFileSync(file);
      if (k.length !== 32) throw new WitnessError('STORE_KEY_WRONG', `${file} is not a 32-byte key file (${k.length} bytes): restore it from a backup; without it the audit store cannot be opened.`);
      return k;
    },
  };
}

/** scrypt N=2^15, r=8, p=1 (32 MiB, ~0.1 s): hard to brute-force, fine once per start. */
export function passphraseKeyProvider(passphrase: string): KeyProvider {
  return {
    kind: 'passphrase',
    kek: (salt) => scryptSync(passphrase.normalize('NFC'), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }),
  };
}

/** Picks the headless provider: the passphrase from the environment if set, else the key file. */
export function defaultKeyProvider(storeDir: string, env: NodeJS.ProcessEnv = process.env): KeyProvider {
  return env.WITNESS_STORE_PASSPHRASE ? passphraseKeyProvider(env.WITNESS_STORE_PASSPHRASE) : fileKeyProvider(storeDir);
}

interface KeyringFile {
  version: 1;
  provider: string;
  salt: string;
  wrapped: string;
}

const AAD = Buffer.from('witness-audit-keyring-v1');

export async function loadDataKey(storeDir: string, provider: KeyProvider): Promise<Buffer> {
  const file = join(storeDir, 'keyring.json');
  if (!existsSync(file)) {
    const salt = randomBytes(16);
    const dataKey = randomBytes(32);
    const kek = await provider.kek(salt);
    const ring: KeyringFile = { version: 1, provider: provider.kind, salt: salt.toString('base64'), wrapped: seal(kek, dataKey, AAD).toString('base64') };
    writeAtomic(file, JSON.stringify(ring, null, 2) + '\n', 0o600);
    return dataKey;
  }
  let ring: KeyringFile;
  try {
    ring = JSON.parse(readFileSync(file, 'utf8')) as KeyringFile;
  } catch (e) {
    throw new WitnessError('STORE_CORRUPT', `${file} is unreadable: ${(e as Error).message}`);
  }
  if (ring.provider !== provider.kind) {
    throw new WitnessError(
      'STORE_LOCKED',
      `The audit store is locked with a ${ring.provider} key but this process offers a ${provider.kind} key` +
        (ring.provider === 'passphrase' ? ': set WITNESS_STORE_PASSPHRASE.' : ': unset WITNESS_STORE_PASSPHRASE or use the same setup as when the store was created.'),
    );
  }
  const kek = await provider.kek(Buffer.from(ring.salt, 'base64'));
  try {
    return open(kek, Buffer.from(ring.wrapped, 'base64'), AAD);
  } catch {
    throw new WitnessError('STORE_KEY_WRONG', `Wrong ${ring.provider === 'passphrase' ? 'passphrase' : 'key file'} for the audit store in ${storeDir}. Nothing was changed.`);
  }
}
