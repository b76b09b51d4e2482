/**
 * The CA on disk: created on first start, rotated before expiry, never silently replaced.
 *
 * Files in DATA_DIR/ca (folder 0700, keys 0600, written atomically):
 *   current.crt.pem / current.key   the CA that signs leaves now
 *   next.crt.pem    / next.key      created `renewBeforeDays` before `current` expires; published
 *                                   with it (`witness ca cert` prints both) so IT can roll trust
 *                                   out before the switch; it takes over when `current` has less
 *                                   than a day left, or earlier on `activateNext()`.
 * A CA whose constraints no longer cover the intercepted hosts is retired and replaced, because a
 * leaf for an uncovered host would fail verification anyway.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { WitnessError } from '../errors.js';
import { writeAtomic } from '../fs.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { permittedSubtrees, subtreesCover } from './constraints.js';
import { generateCa, readPermittedSubtrees } from './generate.js';
import { fileModeProtector, type KeyProtector } from './key-protector.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const KEY_HEADER = 'witness-key v1 protector=';

export interface CaCertInfo {
  certPem: string;
  subject: string;
  serialNumber: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  permittedSubtrees: string[];
}

export interface LoadedCa extends CaCertInfo {
  keyPem: string;
}

export interface CaState {
  active: LoadedCa;
  next: CaCertInfo | null;
  /** PEM of every certificate clients should trust right now (active, then next). */
  bundlePem: string;
  /** What ensureCa changed on disk, for the log and the status page. */
  changes: Array<'created' | 'next-created' | 'rotated' | 'rescoped'>;
}

export interface EnsureCaOptions {
  caDir: string;
  hosts: readonly string[];
  validityDays: number;
  renewBeforeDays: number;
  now?: () => Date;
  protector?: KeyProtector;
  log?: Logger;
}

export async function ensureCa(opts: EnsureCaOptions): Promise<CaState> {
  const now = (opts.now ?? (() => new Date()))();
  const protector = opts.protector ?? fileModeProtector;
  const log = opts.log ?? silentLogger;
  const subtrees = permittedSubtrees(opts.hosts);
  const changes: CaState['changes'] = [];
  mkdirSync(opts.caDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.caDir, 0o700);

  const mint = async (slot: 'current' | 'next') => {
    const notBefore = new Date(now.getTime() - 60 * 60 * 1000); // tolerate an hour of clock skew
    const gen = await generateCa({ subtrees, notBefore, notAfter: new Date(notBefore.getTime() + opts.validityDays * DAY_MS) });
    await writeSlot(opts.caDir, slot, gen.certPem, gen.keyPkcs8Pem, protector);
  };

  let current = await readSlot(opts.caDir, 'current', protector);
  let next = await readSlot(opts.caDir, 'next', protector);

  if (current && !subtreesCover(current.permittedSubtrees, opts.hosts)) {
    log.warn('CA constraints do not cover the intercepted hosts; creating a new CA (clients must trust it again)', {
      had: current.permittedSubtrees,
      need: subtrees,
    });
    retire(opts.caDir, 'current', current);
    if (next) retire(opts.caDir, 'next', next);
    current = next = null;
    changes.push('rescoped');
  }
  if (next && !subtreesCover(next.permittedSubtrees, opts.hosts)) {
    retire(opts.caDir, 'next', next);
    next = null;
  }

  const expiresSoon = (c: CaCertInfo, days: number) => c.notAfter.getTime() - now.getTime() < days * DAY_MS;

  if (current && expiresSoon(current, 1)) {
    if (next && !expiresSoon(next, 1)) {
      retire(opts.caDir, 'current', current);
      promote(opts.caDir);
      current = await readSlot(opts.caDir, 'current', protector);
      next = null;
      changes.push('rotated');
      log.info('CA rotated: the next CA is now active', { fingerprint256: current?.fingerprint256 });
    } else {
      retire(opts.caDir, 'current', current);
      current = null;
    }
  }
  if (!current) {
    await mint('current');
    current = await readSlot(opts.caDir, 'current', protector);
    if (!changes.includes('rescoped')) changes.push('created');
  }
  if (!current) throw new WitnessError('CA_INVALID', `Could not create the CA in ${opts.caDir}`);

  if (!next && expiresSoon(current, opts.renewBeforeDays)) {
    await mint('next');
    next = await readSlot(opts.caDir, 'next', protector);
    changes.push('next-created');
    log.info('Next CA created ahead of expiry: deploy `witness ca cert` output to clients', {
      currentExpires: current.notAfter.toISOString(),
    });
  }

  const nextInfo: CaCertInfo | null = next ? stripKey(next) : null;
  return {
    active: current,
    next: nextInfo,
    bundlePem: current.certPem + (nextInfo ? nextInfo.certPem : ''),
    changes,
  };
}

/** Switch to the next CA now (after its certificate has been trusted). */
export async function activateNext(caDir: string, protector: KeyProtector = fileModeProtector): Promise<CaCertInfo> {
  const next = await readSlot(caDir, 'next', protector);
  if (!next) throw new WitnessError('CA_INVALID', 'There is no next CA to activate.');
  const current = await readSlot(caDir, 'current', protector);
  if (current) retire(caDir, 'current', current);
  promote(caDir);
  return stripKey(next);
}

/** Certificate info only (no key): what `witness status` and `witness ca cert` need. */
export function readCaCertificates(caDir: string): { current: CaCertInfo | null; next: CaCertInfo | null } {
  const read = (slot: string) => {
    const file = join(caDir, `${slot}.crt.pem`);
    return existsSync(file) ? describeCert(readFileSync(file, 'utf8')) : null;
  };
  return { current: read('current'), next: read('next') };
}

export function describeCert(certPem: string): CaCertInfo {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (e) {
    throw new WitnessError('CA_INVALID', `The CA certificate is unreadable (${(e as Error).message}).`, { cause: e });
  }
  const der = Buffer.from(cert.rawData);
  return {
    certPem: certPem.replace(/\r\n/g, '\n').trim() + '\n',
    subject: cert.subject,
    serialNumber: cert.serialNumber,
    fingerprint256: fingerprint(der),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    permittedSubtrees: readPermittedSubtrees(cert),
  };
}

export function fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

async function readSlot(caDir: string, slot: 'current' | 'next', protector: KeyProtector): Promise<LoadedCa | null> {
  const certFile = join(caDir, `${slot}.crt.pem`);
  const keyFile = join(caDir, `${slot}.key`);
  const haveCert = existsSync(certFile);
  const haveKey = existsSync(keyFile);
  if (!haveCert && !haveKey) return null;
  if (!haveCert || !haveKey) {
    throw new WitnessError(
      'CA_INVALID',
      `The CA in ${caDir} is incomplete (${haveCert ? 'key' : 'certificate'} for "${slot}" is missing). ` +
        `Restore it, or move the folder away to create a new CA (clients must then trust the new one).`,
    );
  }
  const info = describeCert(readFileSync(certFile, 'utf8'));
  const raw = readFileSync(keyFile);
  const nl = raw.indexOf(0x0a);
  const header = raw.subarray(0, nl < 0 ? 0 : nl).toString('utf8');
  if (!header.startsWith(KEY_HEADER)) throw new WitnessError('CA_INVALID', `${keyFile} is not a Witness key file.`);
  const protectorId = header.slice(KEY_HEADER.length);
  if (protectorId !== protector.id) {
    throw new WitnessError(
      'CA_KEY_LOCKED',
      `The CA key in ${keyFile} is protected by "${protectorId}", but this process uses "${protector.id}". ` +
        `Start Witness the same way it was first started (desktop app or headless).`,
    );
  }
  let keyPem: string;
  try {
    keyPem = (await protector.unprotect(raw.subarray(nl + 1))).toString('utf8');
  } catch (e) {
    throw new WitnessError('CA_KEY_LOCKED', `Cannot unlock the CA key in ${keyFile}: ${(e as Error).message}`, { cause: e });
  }
  if (!keyPem.includes('PRIVATE KEY')) throw new WitnessError('CA_INVALID', `${keyFile} does not hold a private key.`);
  return { ...info, keyPem };
}

async function writeSlot(caDir: string, slot: string, certPem: string, keyPem: string, protector: KeyProtector) {
  const protectedKey = await protector.protect(Buffer.from(keyPem, 'utf8'));
  writeAtomic(join(caDir, `${slot}.key`), Buffer.concat([Buffer.from(`${KEY_HEADER}${protector.id}\n`), protectedKey]), 0o600);
  writeAtomic(join(caDir, `${slot}.crt.pem`), Buffer.from(certPem), 0o644);
}

function retire(caDir: string, slot: string, info: CaCertInfo) {
  const certFile = join(caDir, `${slot}.crt.pem`);
  if (existsSync(certFile)) renameSync(certFile, join(caDir, `retired-${info.serialNumber}.crt.pem`));
  rmSync(join(caDir, `${slot}.key`), { force: true }); // a retired CA key has no further use
}

function promote(caDir: string) {
  renameSync(join(caDir, 'next.key'), join(caDir, 'current.key'));
  renameSync(join(caDir, 'next.crt.pem'), join(caDir, 'current.crt.pem'));
}

function stripKey(ca: LoadedCa): CaCertInfo {
  const { keyPem: _drop, ...info } = ca;
  return info;
}
