/**
 * The headless key vault: each secret sealed with AES-256-GCM under a key-encryption key from
 * a key file (0600) or a passphrase (scrypt), in its own file DIR/<name>.sealed (0600), bound
 * to its name (moving a sealed file to another name fails authentication).
 *
 * DIR/vault.json records how the vault is protected: the kind, the scrypt salt, and a sealed
 * check value, so a wrong passphrase is reported as such rather than as a damaged secret.
 * Writes are atomic (temporary file + rename): a reader in another process sees the old or
 * the new secret, never half of one. Never logs or writes a secret in clear.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../fs.js';
import { WitnessError } from '../errors.js';
import { createExclusive } from './files.js';
import { open, seal } from './sealing.js';
import { defaultKekSource, PASSPHRASE_ENV, type KekSource } from './kek.js';
import { assertSecretName, assertSecretValue, type KeyVault } from './vault.js';

const HeaderSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['file', 'passphrase']),
  salt: z.string(),
  check: z.string(),
});
type Header = z.infer<typeof HeaderSchema>;

const CHECK_PLAINTEXT = Buffer.from('witness key vault');
const aad = (what: string) => Buffer.from(`witness-vault-v1\0${what}`);

export interface FileKeyVaultOptions {
  /** Folder of the vault (created 0700): DATA_DIR/keys by default, see `vaultDir()`. */
  dir: string;
  /** Where the key-encryption key comes from; default: passphrase from the environment, else key file. */
  kek?: KekSource;
}

/** DATA_DIR/keys: one place, so the CLI and the engine open the same vault. */
export function vaultDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

export class FileKeyVault implements KeyVault {
  readonly kind: string;
  private readonly dir: string;
  private readonly source: KekSource;
  private kek: Promise<Buffer> | null = null;

  constructor(opts: FileKeyVaultOptions) {
    this.dir = opts.dir;
    this.source = opts.kek ?? defaultKekSource(opts.dir);
    this.kind = this.source.kind;
  }

  async get(name: string): Promise<Uint8Array | null> {
    assertSecretName(name);
    const file = this.fileOf(name);
    // Reading never creates a vault; otherwise the key comes first, so a wrong passphrase is
    // reported as such and not as "no secret".
    if (!existsSync(join(this.dir, 'vault.json')) && !existsSync(file)) return null;
    const kek = await this.key();
    let sealed: Buffer;
    try {
      sealed = readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null; // deleted meanwhile
      throw e;
    }
    try {
      return open(kek, sealed, aad(name));
    } catch {
      throw new WitnessError(
        'VAULT_CORRUPT',
        `The secret "${name}" in ${this.dir} is damaged or was not sealed by this vault; remove ${file} (for identity.session: run \`witness login\` again).`,
      );
    }
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    assertSecretName(name);
    assertSecretValue(name, value);
    const kek = await this.key();
    writeAtomic(this.fileOf(name), seal(kek, Buffer.from(value.buffer, value.byteOffset, value.byteLength), aad(name)), 0o600);
  }

  /** Whether a sealed secret of that name is on disk; needs no key. */
  holds(name: string): boolean {
    assertSecretName(name);
    return existsSync(this.fileOf(name));
  }

  /** Needs no key: forgetting a secret (signing out) works even with a lost passphrase. */
  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    const file = this.fileOf(name);
    const existed = existsSync(file);
    rmSync(file, { force: true });
    return existed;
  }

  /** Needs no key. The sealed bytes stay bound to the old name: kept as evidence, not to open. */
  async rename(from: string, to: string): Promise<void> {
    assertSecretName(from);
    assertSecretName(to);
    renameSync(this.fileOf(from), this.fileOf(to));
  }

  private fileOf(name: string) {
    return join(this.dir, `${name}.sealed`);
  }

  /** The key-encryption key, derived once per vault object and checked against the header. */
  private key(): Promise<Buffer> {
    this.kek ??= this.open().catch((e) => {
      this.kek = null; // a wrong passphrase may be corrected without a restart
      throw e;
    });
    return this.kek;
  }

  private async open(): Promise<Buffer> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const headerFile = join(this.dir, 'vault.json');
    if (!existsSync(headerFile)) {
      const salt = randomBytes(16);
      const kek = await this.source.derive(salt);
      const header: Header = { version: 1, kind: this.source.kind, salt: salt.toString('base64'), check: seal(kek, CHECK_PLAINTEXT, aad('check')).toString('base64') };
      if (createExclusive(headerFile, JSON.stringify(header, null, 2) + '\n', 0o600)) return kek;
      // Another process created the vault at the same moment: use its header.
    }
    const header = this.readHeader(headerFile);
    if (header.kind !== this.source.kind) {
      throw new WitnessError(
        'VAULT_LOCKED',
        header.kind === 'passphrase'
          ? `The key vault in ${this.dir} is protected by a passphrase: set ${PASSPHRASE_ENV} (or WITNESS_STORE_PASSPHRASE).`
          : `The key vault in ${this.dir} is protected by its key file, but a passphrase is set: unset ${PASSPHRASE_ENV} and WITNESS_STORE_PASSPHRASE, or use the setup the vault was created with.`,
      );
    }
    const kek = await this.source.derive(Buffer.from(header.salt, 'base64'));
    try {
      if (!open(kek, Buffer.from(header.check, 'base64'), aad('check')).equals(CHECK_PLAINTEXT)) throw new Error('check mismatch');
    } catch {
      throw new WitnessError(
        'VAULT_LOCKED',
        `Wrong ${header.kind === 'passphrase' ? 'passphrase' : 'key file'} for the key vault in ${this.dir}. Nothing was changed.`,
      );
    }
    return kek;
  }

  private readHeader(file: string): Header {
    try {
      return HeaderSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (e) {
      throw new WitnessError('VAULT_CORRUPT', `${file} is unreadable (${(e as Error).message.split('\n')[0]}): restore it from a backup, or remove ${this.dir} and sign in again.`);
    }
  }
}
