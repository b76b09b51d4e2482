/**
 * The desktop key vault: secrets (the audit store key, the CA key, the sign-in session…)
 * sealed with Electron's safeStorage (async API: macOS Keychain, Windows DPAPI, the Linux
 * secret service), one file each in DATA_DIR/keychain (per data dir, as the engine's own
 * vault is), mode 0600, written atomically and durably.
 * Each sealed blob carries its secret's name, so a file moved to another name is refused.
 * It is a KeyVault (get/set/delete of named bytes, the engine's interface), served to the
 * engine over the utility process's port. safeStorage and the file system are injected:
 * tested without Electron. Errors carry the vault codes, which reach the engine intact.
 * Never logs a value; never writes one in clear.
 *
 * Which vault the desktop uses: this one when OS encryption is available and real. With
 * Linux's "basic_text" backend (no GNOME Keyring or KWallet), safeStorage would "encrypt"
 * with a fixed, public key: the shell warns and falls back to the headless vault (key file
 * 0600 or passphrase) instead.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WitnessError } from '../../proxy/errors.js';
import { ensurePrivateDir, writeAtomic } from '../../proxy/fs.js';
import { assertSecretName, assertSecretValue, type KeyVault } from '../../proxy/keys/index.js';

/** The async half of Electron's safeStorage (the sync calls are deprecated in Electron 45). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend?(): string;
}

export interface VaultFs {
  read(file: string): Buffer | null;
  /** Atomic: a reader sees the old or the new file, never half (temporary file + rename). */
  write(file: string, data: Buffer, mode: number): void;
  remove(file: string): boolean;
}

export type VaultChoice = { mode: 'os-keychain'; backend: string } | { mode: 'headless'; warning: string };

/** Decides after app `ready` (safeStorage knows its backend only then). */
export async function chooseDesktopVault(safeStorage: SafeStorageLike, platform: NodeJS.Platform): Promise<VaultChoice> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    return { mode: 'headless', warning: 'OS encryption (safeStorage) is not available: secrets are kept in the key-file or passphrase vault instead.' };
  }
  const backend = platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : platform === 'darwin' ? 'keychain' : platform === 'win32' ? 'dpapi' : 'unknown';
  if (backend === 'basic_text' || (platform === 'linux' && backend === 'unknown')) {
    return {
      mode: 'headless',
      warning:
        'No secret service (GNOME Keyring or KWallet) is running, so OS encryption would use a fixed key: secrets are kept in the key-file or passphrase vault instead (see docs/desktop.md).',
    };
  }
  return { mode: 'os-keychain', backend };
}

export class KeychainVault implements KeyVault {
  readonly kind = 'os-keychain';

  constructor(
    private readonly dir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly fs: VaultFs,
  ) {}

  async get(name: string): Promise<Uint8Array | null> {
    const file = this.fileOf(name);
    const sealed = this.fs.read(file);
    if (sealed === null) return null;
    let opened: { result: string; shouldReEncrypt: boolean };
    let inner: { name?: unknown; value?: unknown };
    try {
      opened = await this.safeStorage.decryptStringAsync(sealed);
      inner = JSON.parse(opened.result) as typeof inner;
    } catch {
      throw new WitnessError('VAULT_CORRUPT', `The secret "${name}" in ${this.dir} cannot be opened with this user's OS keychain; remove ${file} (for identity.session: sign in again).`);
    }
    if (inner.name !== name || typeof inner.value !== 'string') {
      throw new WitnessError('VAULT_CORRUPT', `The sealed file ${file} holds another secret than "${name}"; remove it.`);
    }
    const value = new Uint8Array(Buffer.from(inner.value, 'base64'));
    // The OS rotated its key: seal it again under the current one.
    if (opened.shouldReEncrypt) await this.set(name, value);
    return value;
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    const file = this.fileOf(name);
    assertSecretValue(name, value);
    // Random padding in the plaintext: the sealed size does not tell a secret's exact length.
    const pad = randomBytes(1 + (randomBytes(1)[0]! % 32)).toString('base64');
    const sealed = await this.safeStorage.encryptStringAsync(JSON.stringify({ name, value: Buffer.from(value).toString('base64'), pad }));
    this.fs.write(file, sealed, 0o600);
  }

  async delete(name: string): Promise<boolean> {
    return this.fs.remove(this.fileOf(name));
  }

  private fileOf(name: string): string {
    assertSecretName(name);
    return join(this.dir, `${name}.keychain`);
  }
}

/**
 * The sealed files on disk: one folder (0700, only ever tightened), each file written whole
 * or not at all and durable once `set` resolves (temporary file, fsync, rename, fsync folder).
 */
export function vaultFiles(dir: string): VaultFs {
  return {
    read: (file) => {
      try {
        return readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    write: (file, data, mode) => {
      ensurePrivateDir(dir, 'the desktop key vault');
      writeAtomic(file, data, mode);
    },
    remove: (file) => {
      try {
        rmSync(file);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
    },
  };
}
