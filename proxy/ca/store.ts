/**
 * The CA's life on disk: created on first start, rotated before expiry, never silently replaced.
 * (File layout and integrity checks: slots.ts.)
 *
 *  - `current` signs leaves now. `next` is created `renewBeforeDays` before `current`
 *    expires and published with it (`witness ca cert` prints both roots) so IT can roll
 *    trust out before the switch; it takes over when `current` has less than a day left,
 *    or earlier on `activateNext()`. A rotation replaces root and issuing CA together:
 *    the root's key no longer exists, so the root cannot sign a new issuing CA.
 *  - A CA whose constraints no longer cover the intercepted hosts is retired and replaced,
 *    because a leaf for an uncovered host would fail verification anyway.
 *  - Upgrade: a single-level CA left by an older Witness keeps signing (clients trust it)
 *    while a two-level CA is published as `next`; the switch comes `renewBeforeDays` later
 *    (or on `activateNext()`), as in any rotation, and then the old key is deleted.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { permittedSubtrees, subtreesCover } from './constraints.js';
import { generateCa } from './generate.js';
import { vaultProtector, type KeyProtector } from './key-protector.js';
import { FileKeyVault, vaultDir, type KeyVault } from '../keys/index.js';
import { promoteNext, readSlot, readSlotCertificates, resealPlainKeys, retireSlot, stripKey, writeSlot, type CaChainInfo, type CaCertInfo, type LoadedCa } from './slots.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** New certificates start this much in the past, to tolerate clock skew between machines. */
const BACKDATE_MS = 60 * 60 * 1000;

export interface CaState {
  active: LoadedCa;
  next: CaChainInfo | null;
  /** PEM of every root clients should trust right now (active, then next). */
  bundlePem: string;
  /** When the engine switches to `next` (null when there is none). */
  switchAt: Date | null;
  /** What the user must do about trust, when something is pending (see caNotice). */
  notice: string | null;
  /** What ensureCa changed on disk, for the log and the status page. */
  changes: Array<'created' | 'next-created' | 'rotated' | 'rescoped' | 'upgrade-started'>;
}

export interface EnsureCaOptions {
  caDir: string;
  hosts: readonly string[];
  validityDays: number;
  renewBeforeDays: number;
  now?: () => Date;
  /** Where `ca.kek` is kept; default: the headless vault of the data dir that holds `caDir`. */
  vault?: KeyVault;
  /** Tests: another protection than sealing under the vault. */
  protector?: KeyProtector;
  log?: Logger;
}

export async function ensureCa(opts: EnsureCaOptions): Promise<CaState> {
  const now = (opts.now ?? (() => new Date()))();
  const protector = opts.protector ?? vaultProtector(opts.vault ?? new FileKeyVault({ dir: vaultDir(dirname(opts.caDir)) }));
  const log = opts.log ?? silentLogger;
  const subtrees = permittedSubtrees(opts.hosts);
  const changes: CaState['changes'] = [];
  mkdirSync(opts.caDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.caDir, 0o700);

  const mint = async (slot: 'current' | 'next') => {
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    const gen = await generateCa({ subtrees, notBefore, notAfter: new Date(notBefore.getTime() + opts.validityDays * DAY_MS) });
    await writeSlot(opts.caDir, slot, gen, protector);
    const loaded = await readSlot(opts.caDir, slot, protector);
    if (!loaded) throw new WitnessError('CA_INVALID', `Could not create the CA in ${opts.caDir}`);
    return loaded;
  };
  const retire = (slot: 'current' | 'next', ca: CaChainInfo) => retireSlot(opts.caDir, slot, ca);

  let current = await readSlot(opts.caDir, 'current', protector);
  let next = await readSlot(opts.caDir, 'next', protector);
  const resealed = await resealPlainKeys(opts.caDir, protector);
  if (resealed > 0) log.info('CA keys sealed under the key vault (they were plain files)', { files: resealed });

  // A next CA made by the single-level format is not worth switching to: the upgrade publishes a two-level one.
  if (next?.singleLevel) {
    retire('next', next);
    next = null;
  }
  if (current && !subtreesCover(current.permittedSubtrees, opts.hosts)) {
    log.warn('CA constraints do not cover the intercepted hosts; creating a new CA (clients must trust it again)', {
      had: current.permittedSubtrees,
      need: subtrees,
    });
    retire('current', current);
    if (next) retire('next', next);
    current = next = null;
    changes.push('rescoped');
  }
  if (next && !subtreesCover(next.permittedSubtrees, opts.hosts)) {
    retire('next', next);
    next = null;
  }

  const expiresWithin = (c: CaCertInfo, days: number) => c.notAfter.getTime() - now.getTime() < days * DAY_MS;

  if (current?.singleLevel && !next && !expiresWithin(current, 1)) {
    next = await mint('next');
    changes.push('upgrade-started');
  }
  if (current && now.getTime() >= switchAt(current, next, opts.renewBeforeDays).getTime()) {
    if (next && !expiresWithin(next, 1)) {
      retire('current', current);
      promoteNext(opts.caDir);
      current = await readSlot(opts.caDir, 'current', protector);
      next = null;
      changes.push('rotated');
      log.info('CA rotated: the next CA is now active', { fingerprint256: current?.fingerprint256 });
    } else {
      retire('current', current);
      current = null;
    }
  }
  if (!current) {
    current = await mint('current');
    if (!changes.includes('rescoped')) changes.push('created');
  }

  if (!next && expiresWithin(current, opts.renewBeforeDays)) {
    next = await mint('next');
    changes.push('next-created');
  }

  const nextInfo = next ? stripKey(next) : null;
  const at = nextInfo ? switchAt(current, nextInfo, opts.renewBeforeDays) : null;
  const notice = caNotice(current, nextInfo, at);
  if (notice) log.warn(notice, { current: current.fingerprint256, next: nextInfo?.fingerprint256, switchAt: at?.toISOString() });
  return {
    active: current,
    next: nextInfo,
    bundlePem: current.certPem + (nextInfo ? nextInfo.certPem : ''),
    switchAt: at,
    notice,
    changes,
  };
}

/**
 * When `current` hands over to `next`: a day before it expires. A single-level CA with a
 * next waiting goes at most `renewBeforeDays` after that next was created — the same
 * overlap a rotation gives, so the upgrade does not leave the weaker CA in use for years.
 */
export function switchAt(current: CaChainInfo, next: CaCertInfo | null, renewBeforeDays: number): Date {
  const lastDay = current.notAfter.getTime() - DAY_MS;
  if (!current.singleLevel || !next) return new Date(lastDay);
  const nextCreated = next.notBefore.getTime() + BACKDATE_MS;
  return new Date(Math.min(lastDay, nextCreated + renewBeforeDays * DAY_MS));
}

/** What to tell the user while a next CA waits to be trusted (null when nothing is pending). */
export function caNotice(current: CaChainInfo, next: CaChainInfo | null, at: Date | null): string | null {
  if (!next || !at) return null;
  const when = at.toISOString().slice(0, 10);
  if (current.singleLevel) {
    return (
      `The Witness CA is now a root plus an issuing CA, and clients must trust the new root anew ` +
      `(SHA-256 ${next.fingerprint256}; \`witness ca cert\` prints it). Witness keeps using the old CA until ${when}, ` +
      `or until \`witness ca activate-next\`; then remove the old CA (SHA-256 ${current.fingerprint256}) from every trust store.`
    );
  }
  return `A next Witness CA is published (SHA-256 ${next.fingerprint256}; \`witness ca cert\` prints it): trust it before ${when}, when Witness switches to it.`;
}

/** Switch to the next CA now (after its root has been trusted). Needs no key: files are only renamed. */
export async function activateNext(caDir: string): Promise<CaChainInfo> {
  const next = readSlotCertificates(caDir, 'next');
  if (!next) throw new WitnessError('CA_INVALID', 'There is no next CA to activate.');
  if (next.singleLevel) throw new WitnessError('CA_INVALID', 'The next CA has the old single-level format; start Witness once to replace it, then activate.');
  const current = readSlotCertificates(caDir, 'current');
  if (current) retireSlot(caDir, 'current', current);
  promoteNext(caDir);
  return next;
}

/** Certificate info only (no key): what `witness status` and `witness ca cert` need. */
export function readCaCertificates(caDir: string): { current: CaChainInfo | null; next: CaChainInfo | null } {
  return { current: readSlotCertificates(caDir, 'current'), next: readSlotCertificates(caDir, 'next') };
}
