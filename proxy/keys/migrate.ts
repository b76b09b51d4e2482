/**
 * Moving secrets when a data dir changes vaults: headless (DATA_DIR/keys) → desktop (the OS
 * keychain, served by the app's main process) and back. For each secret: copy it into the new
 * vault, read it back and compare, and only then delete it from the old one. A failure at any
 * step leaves the old vault holding the secret, so the data dir still opens the way it did.
 * Values are compared, never logged.
 */
import { timingSafeEqual } from 'node:crypto';
import { isWitnessError, WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import { FileKeyVault, vaultDir } from './file-vault.js';
import type { KeyVault } from './vault.js';
import { MASKING_KEY } from './masking-key.js';
import { AUDIT_WRAPPING_KEY, CA_WRAPPING_KEY } from './wrap.js';

/** The secrets that follow a data dir from one vault to another. */
export const MOVABLE_SECRETS = [CA_WRAPPING_KEY, AUDIT_WRAPPING_KEY, 'identity.session', 'device.key', MASKING_KEY] as const;

/** A sign-in is worth less than the engine starting: on a conflict the new vault's session stays. */
const KEEP_DESTINATION_ON_CONFLICT = new Set(['identity.session']);

const same = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && timingSafeEqual(a, b);

/** Moves `names` from `from` into `to`; returns the names moved. */
export async function moveSecrets(from: KeyVault, to: KeyVault, names: readonly string[], log?: Logger): Promise<string[]> {
  const moved: string[] = [];
  const failed = (name: string, what: string, e: unknown) =>
    new WitnessError(
      isWitnessError(e) && e.code === 'VAULT_LOCKED' ? 'VAULT_LOCKED' : 'VAULT_CORRUPT',
      `Could not move the key "${name}" from the ${from.kind} key vault to the ${to.kind} key vault (${what}: ${(e as Error).message}). ` +
        `Nothing was changed: the data dir still opens with the ${from.kind} vault. Fix the cause and start again.`,
      { cause: e },
    );
  for (const name of names) {
    let value: Uint8Array | null;
    try {
      value = await from.get(name);
    } catch (e) {
      throw failed(name, 'reading it', e);
    }
    if (value === null) continue;
    const there = await to.get(name);
    if (there !== null) {
      if (same(there, value)) {
        // An earlier move stopped after the copy: finish it.
        await from.delete(name);
        continue;
      }
      if (KEEP_DESTINATION_ON_CONFLICT.has(name)) {
        log?.warn('key vault: the old vault holds another copy of a secret; keeping the new one', { name, from: from.kind, to: to.kind });
        continue;
      }
      throw new WitnessError(
        'VAULT_LOCKED',
        `The key "${name}" is in both the ${from.kind} and the ${to.kind} key vault, with different values. Nothing was changed. ` +
          `Start Witness the way this data dir was last used (see docs/desktop.md, "Keys"), or restore the data dir from a backup.`,
      );
    }
    try {
      await to.set(name, value);
      const back = await to.get(name);
      if (back === null || !same(back, value)) throw new Error('the copy read back differs');
    } catch (e) {
      await to.delete(name).catch(() => false);
      throw failed(name, 'writing it', e);
    }
    await from.delete(name);
    moved.push(name);
  }
  return moved;
}

export interface EngineVaultOptions {
  dataDir: string;
  /** The vault to keep secrets in (desktop: the OS keychain over the app's port); default: DATA_DIR/keys. */
  vault?: KeyVault;
  /** A vault to move secrets out of (desktop → headless); with `vault` set, DATA_DIR/keys is the one. */
  previous?: KeyVault;
  log?: Logger;
}

/** The engine's vault, after taking over the secrets an earlier mode of this data dir left elsewhere. */
export async function openEngineVault(opts: EngineVaultOptions): Promise<KeyVault> {
  const own = new FileKeyVault({ dir: vaultDir(opts.dataDir) });
  const vault = opts.vault ?? own;
  const previous = opts.previous ?? (opts.vault ? own : null);
  if (!previous) return vault;
  // The headless vault's key is asked for only when it holds something to move: a desktop app
  // without the passphrase must not fail on a vault that is already empty.
  const names = previous === own ? MOVABLE_SECRETS.filter((n) => own.holds(n)) : MOVABLE_SECRETS;
  const moved = await moveSecrets(previous, vault, names, opts.log);
  if (moved.length > 0) opts.log?.info('key vault: secrets moved to this vault', { from: previous.kind, to: vault.kind, names: moved });
  return vault;
}
