/**
 * The desktop key vault: secrets (the audit store key, the CA key, the sign-in session…)
 * sealed with Electron's safeStorage (async API: macOS Keychain, Windows DPAPI, the Linux
 * secret service), one file each in the shell's own folder, mode 0600, written atomically.
 * Each sealed blob carries its secret's name, so a file moved to another name is refused.
 * Shaped like the engine's KeyVault (get/set/delete of named bytes), so it can be served to
 * the engine over IPC. safeStorage and the file system are injected: tested without Electron.
 * Never logs a value; never writes one in clear.
 *
 * Which vault the desktop uses: this one when OS encryption is available and real. With
 * Linux's "basic_text" backend (no GNOME Keyring or KWallet), safeStorage would "encrypt"
 * with a fixed, public key: the shell warns and falls back to the headless vault (key file
 * 0600 or passphrase) instead.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

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

const NAME_RE = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
const MAX_SECRET_BYTES = 1024 * 1024;

export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly code: 'USAGE' | 'VAULT_CORRUPT',
    message: string,
  ) {
    super(message);
  }
}

export class KeychainVault {
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
      throw new VaultError('VAULT_CORRUPT', `The secret "${name}" in ${this.dir} cannot be opened with this user's OS keychain; remove ${file} (for identity.session: sign in again).`);
    }
    if (inner.name !== name || typeof inner.value !== 'string') {
      throw new VaultError('VAULT_CORRUPT', `The sealed file ${file} holds another secret than "${name}"; remove it.`);
    }
    const value = new Uint8Array(Buffer.from(inner.value, 'base64'));
    // The OS rotated its key: seal it again under the current one.
    if (opened.shouldReEncrypt) await this.set(name, value);
    return value;
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    const file = this.fileOf(name);
    if (!(value instanceof Uint8Array) || value.byteLength > MAX_SECRET_BYTES) {
      throw new VaultError('USAGE', `The value of secret ${name} must be at most ${MAX_SECRET_BYTES} bytes.`);
    }
    // Random padding in the plaintext: the sealed size does not tell a secret's exact length.
    const pad = randomBytes(1 + (randomBytes(1)[0]! % 32)).toString('base64');
    const sealed = await this.safeStorage.encryptStringAsync(JSON.stringify({ name, value: Buffer.from(value).toString('base64'), pad }));
    this.fs.write(file, sealed, 0o600);
  }

  async delete(name: string): Promise<boolean> {
    return this.fs.remove(this.fileOf(name));
  }

  private fileOf(name: string): string {
    if (typeof name !== 'string' || name.length > 64 || !NAME_RE.test(name)) {
      throw new VaultError('USAGE', `Invalid secret name ${JSON.stringify(name)}: use lower-case words separated by "." or "-".`);
    }
    return join(this.dir, `${name}.keychain`);
  }
}
