/**
 * The audit store's data key (32 random bytes) is stored only wrapped (AES-256-GCM) in
 * DATA_DIR/store/keyring.json, by a key-encryption key from a KeyProvider. The engine's one
 * is the key vault's `audit.kek` (vaultKeyProvider): headless the vault in DATA_DIR/keys (key
 * file 0600, or WITNESS_VAULT_PASSPHRASE / WITNESS_STORE_PASSPHRASE), in the desktop app the
 * OS keychain. A keyring from before the vault (provider "file": DATA_DIR/store/kek.key;
 * "passphrase": scrypt of WITNESS_STORE_PASSPHRASE) is re-wrapped under the vault in place:
 * keyring.json is replaced atomically, and kek.key removed only after that.
 * A wrong key or passphrase fails authentication: a clear error, and nothing is rewritten.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUDIT_WRAPPING_KEY, FileKeyVault, vaultDir, wrappingKey, type KeyVault } from '../keys/index.js';
import { writeAtomic } from '../fs.js';
import { WitnessError } from '../errors.js';
import { open, seal } from '../aead.js';

export interface KeyProvider {
  readonly kind: string;
  /** The key-encryption key; `salt` comes from the keyring (passphrase providers use it). */
  kek(salt: Buffer): Promise<Buffer> | Buffer;
  /** The key for a keyring about to be written (a vault creates it then); default: kek. */
  newKek?(salt: Buffer): Promise<Buffer> | Buffer;
}

export const VAULT_PROVIDER = 'vault';

/** The store key wrapped under `audit.kek` from the key vault (the engine's provider). */
export function vaultKeyProvider(vault: KeyVault): KeyProvider {
  return {
    kind: VAULT_PROVIDER,
    kek: async () => {
      const kek = await wrappingKey(vault, AUDIT_WRAPPING_KEY, false);
      if (kek) return kek;
      throw new WitnessError(
        'STORE_LOCKED',
        `The key that wraps the audit store key ("${AUDIT_WRAPPING_KEY}") is not in this process's ${vault.kind} key vault. ` +
          (vault.kind === 'os-keychain'
            ? 'If this data dir was used headless with a passphrase, start the desktop app once with WITNESS_VAULT_PASSPHRASE set so it can move the keys.'
            : 'If this data dir was last used by the Witness desktop app, its keys are in the OS keychain: move them back first (docs/desktop.md, "Keys").'),
      );
    },
    newKek: async () => (await wrappingKey(vault, AUDIT_WRAPPING_KEY, true))!,
  };
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

/** The headless provider: the vault in DATA_DIR/keys (the store is DATA_DIR/store). */
export function defaultKeyProvider(storeDir: string): KeyProvider {
  return vaultKeyProvider(new FileKeyVault({ dir: vaultDir(dirname(storeDir)) }));
}

/** What unwraps a keyring from before the vault. */
function legacyProvider(kind: string, storeDir: string, env: NodeJS.ProcessEnv): KeyProvider | null {
  if (kind === 'file') return fileKeyProvider(storeDir);
  if (kind !== 'passphrase') return null;
  const passphrase = env.WITNESS_STORE_PASSPHRASE || env.WITNESS_VAULT_PASSPHRASE;
  if (!passphrase) throw new WitnessError('STORE_LOCKED', 'The audit store is locked with a passphrase: set WITNESS_STORE_PASSPHRASE.');
  return passphraseKeyProvider(passphrase);
}

interface KeyringFile {
  version: 1;
  provider: string;
  salt: string;
  wrapped: string;
}

const AAD = Buffer.from('witness-audit-keyring-v1');

export async function loadDataKey(storeDir: string, provider: KeyProvider, opts: { readOnly?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Buffer> {
  const file = join(storeDir, 'keyring.json');
  if (!existsSync(file)) {
    const salt = randomBytes(16);
    const dataKey = randomBytes(32);
    const kek = await (provider.newKek ?? provider.kek)(salt);
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
  const legacy = provider.kind === VAULT_PROVIDER ? legacyProvider(ring.provider, storeDir, opts.env ?? process.env) : null;
  if (legacy) return rewrap(storeDir, ring, legacy, provider, opts.readOnly === true);
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

/**
 * A pre-vault keyring: unwrapped with its old key, wrapped under the vault's, and written over
 * keyring.json atomically (synced before the rename); the old key file goes only after that.
 * A read-only opener (the CLI beside a running engine) reads it and leaves it for the engine.
 */
async function rewrap(storeDir: string, ring: KeyringFile, legacy: KeyProvider, vault: KeyProvider, readOnly: boolean): Promise<Buffer> {
  const salt = Buffer.from(ring.salt, 'base64');
  const legacyKek = await legacy.kek(salt); // a damaged key file says so itself
  let dataKey: Buffer;
  try {
    dataKey = open(legacyKek, Buffer.from(ring.wrapped, 'base64'), AAD);
  } catch {
    throw new WitnessError('STORE_KEY_WRONG', `Wrong ${ring.provider === 'passphrase' ? 'passphrase' : 'key file'} for the audit store in ${storeDir}. Nothing was changed.`);
  }
  if (readOnly) return dataKey;
  const kek = await (vault.newKek ?? vault.kek)(salt);
  const next: KeyringFile = { version: 1, provider: vault.kind, salt: ring.salt, wrapped: seal(kek, dataKey, AAD).toString('base64') };
  writeAtomic(join(storeDir, 'keyring.json'), JSON.stringify(next, null, 2) + '\n', 0o600);
  if (ring.provider === 'file') rmSync(join(storeDir, 'kek.key'), { force: true });
  return dataKey;
}
