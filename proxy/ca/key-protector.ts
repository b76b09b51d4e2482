/**
 * How the CA's private keys are protected at rest: sealed (AES-256-GCM) under `ca.kek`, a
 * wrapping key kept in the key vault — headless the vault in DATA_DIR/keys (key file 0600 or
 * passphrase), in the desktop app the OS keychain. The key files stay in DATA_DIR/ca whatever
 * the vault; a data dir that changes vaults moves only `ca.kek` (keys/migrate.ts).
 *
 * Data dirs from before the vault hold plain PKCS#8 files (mode 0600, protector "file-0600"):
 * they are read, and sealed under the vault once every slot has been read (store.ts).
 */
import { WitnessError } from '../errors.js';
import { CA_WRAPPING_KEY, openSealed, seal, wrappingKey, type KeyVault } from '../keys/index.js';

export interface KeyProtector {
  /** Stable id written next to the key so the right protector is used to read it back. */
  readonly id: string;
  protect(plain: Buffer): Promise<Buffer>;
  unprotect(stored: Buffer): Promise<Buffer>;
}

/** The format of data dirs from before the key vault; read (and then re-sealed), never written by the engine. */
export const fileModeProtector: KeyProtector = {
  id: 'file-0600',
  protect: async (plain) => plain,
  unprotect: async (stored) => stored,
};

const AAD = Buffer.from('witness-ca-key-v1');

export function vaultProtector(vault: KeyVault): KeyProtector {
  return {
    id: 'vault',
    protect: async (plain) => seal((await wrappingKey(vault, CA_WRAPPING_KEY, true))!, plain, AAD),
    unprotect: async (stored) => {
      const kek = await wrappingKey(vault, CA_WRAPPING_KEY, false);
      if (!kek) {
        throw new WitnessError(
          'CA_KEY_LOCKED',
          `The key that seals the CA key ("${CA_WRAPPING_KEY}") is not in this process's ${vault.kind} key vault. ` +
            (vault.kind === 'os-keychain'
              ? 'If this data dir was used headless with a passphrase, start the desktop app once with WITNESS_VAULT_PASSPHRASE set so it can move the keys.'
              : 'If this data dir was last used by the Witness desktop app, its keys are in the OS keychain: move them back first (docs/desktop.md, "Keys").'),
        );
      }
      try {
        return openSealed(kek, stored, AAD);
      } catch {
        throw new WitnessError('CA_KEY_LOCKED', `The CA key does not open with "${CA_WRAPPING_KEY}" from the ${vault.kind} key vault: the vault belongs to another data dir, or the key file was replaced.`);
      }
    },
  };
}
