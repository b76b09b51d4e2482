/**
 * The CA's files: one "slot" (`current` or `next`) is a root and the issuing CA it signed.
 *
 *   <slot>.crt.pem           the root: what clients trust (its key was never written)
 *   <slot>.issuing.crt.pem   the issuing CA: signs leaves
 *   <slot>.issuing.key       its private key, through the KeyProtector (sealed under the vault's ca.kek), mode 0600
 *   retired-<serial>.crt.pem certificates taken out of use (their keys are deleted)
 *
 * A data dir from before the two-level CA holds `<slot>.crt.pem` + `<slot>.key`: one
 * self-signed CA that signs leaves itself ("single-level"); it is still read, never written.
 * This module reads and writes files and checks that they belong together; when to create,
 * rotate or retire a slot is store.ts's business.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { WitnessError } from '../errors.js';
import type { GeneratedCa } from './generate.js';
import { fileModeProtector, type KeyProtector } from './key-protector.js';
import { readPermittedSubtrees } from './profile.js';
import { writeAtomic } from '../fs.js';

const KEY_HEADER = 'witness-key v1 protector=';

export type Slot = 'current' | 'next';

export interface CaCertInfo {
  certPem: string;
  subject: string;
  serialNumber: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  permittedSubtrees: string[];
}

/** A CA as clients see it: the root they trust (the fields of CaCertInfo) and the CA that signs leaves. */
export interface CaChainInfo extends CaCertInfo {
  /** The issuing CA; for a single-level CA, the CA itself. */
  issuing: CaCertInfo;
  /** A pre-upgrade CA that signs leaves with the trusted certificate's own key. */
  singleLevel: boolean;
}

/** A CA the engine can sign with: the issuing CA's key included. */
export interface LoadedCa extends CaChainInfo {
  issuing: CaCertInfo & { keyPem: string };
}

function paths(caDir: string, slot: Slot) {
  return {
    root: join(caDir, `${slot}.crt.pem`),
    issuingCert: join(caDir, `${slot}.issuing.crt.pem`),
    issuingKey: join(caDir, `${slot}.issuing.key`),
    singleLevelKey: join(caDir, `${slot}.key`),
  };
}

/** Certificates only, no key: for `witness status` and `witness ca cert`. */
export function readSlotCertificates(caDir: string, slot: Slot): CaChainInfo | null {
  const p = paths(caDir, slot);
  if (!existsSync(p.root)) return null;
  const root = describeCert(readFileSync(p.root, 'utf8'));
  if (existsSync(p.issuingCert)) return { ...root, issuing: describeCert(readFileSync(p.issuingCert, 'utf8')), singleLevel: false };
  return { ...root, issuing: root, singleLevel: true };
}

export async function readSlot(caDir: string, slot: Slot, protector: KeyProtector): Promise<LoadedCa | null> {
  const p = paths(caDir, slot);
  const present = Object.fromEntries(Object.entries(p).map(([k, f]) => [k, existsSync(f)])) as Record<keyof typeof p, boolean>;
  if (!Object.values(present).some(Boolean)) return null;
  const incomplete = (what: string) =>
    new WitnessError(
      'CA_INVALID',
      `The CA in ${caDir} is incomplete (${what} for "${slot}" is missing). ` +
        `Restore it, or move the folder away to create a new CA (clients must then trust the new one).`,
    );
  if (!present.root) throw incomplete('the root certificate');
  const rootPem = readFileSync(p.root, 'utf8');
  const root = describeCert(rootPem);

  if (present.issuingCert || present.issuingKey) {
    if (!present.issuingCert) throw incomplete('the issuing CA certificate');
    if (!present.issuingKey) throw incomplete('the issuing CA key');
    const issuingPem = readFileSync(p.issuingCert, 'utf8');
    const issuing = describeCert(issuingPem);
    if (!(await signedBy(issuingPem, rootPem))) {
      throw new WitnessError('CA_INVALID', `${p.issuingCert} was not signed by the root in ${p.root}. Restore the CA folder from one backup, or move it away to create a new CA.`);
    }
    const keyPem = await readKey(p.issuingKey, protector);
    assertKeyMatches(keyPem, issuingPem, p.issuingKey);
    return { ...root, issuing: { ...issuing, keyPem }, singleLevel: false };
  }
  if (!present.singleLevelKey) throw incomplete('the key');
  const keyPem = await readKey(p.singleLevelKey, protector);
  assertKeyMatches(keyPem, rootPem, p.singleLevelKey);
  return { ...root, issuing: { ...root, keyPem }, singleLevel: true };
}

/** Writes a new two-level CA into a slot; the root goes last, so it only appears once the rest is on disk. */
export async function writeSlot(caDir: string, slot: Slot, ca: GeneratedCa, protector: KeyProtector): Promise<void> {
  const p = paths(caDir, slot);
  const protectedKey = await protector.protect(Buffer.from(ca.issuingKeyPkcs8Pem, 'utf8'));
  writeAtomic(p.issuingKey, Buffer.concat([Buffer.from(`${KEY_HEADER}${protector.id}\n`), protectedKey]), 0o600);
  writeAtomic(p.issuingCert, Buffer.from(ca.issuingPem), 0o644);
  writeAtomic(p.root, Buffer.from(ca.rootPem), 0o644);
}

/**
 * Key files still in the pre-vault plain format, when `protector` is another: sealed in place
 * (the sealed file is written and synced, then renamed over the plain one). Called once every
 * slot has been read, so a wrapping key is only created when nothing else needs an older one.
 */
export async function resealPlainKeys(caDir: string, protector: KeyProtector): Promise<number> {
  if (protector.id === fileModeProtector.id) return 0;
  let count = 0;
  for (const slot of ['current', 'next'] as const) {
    const p = paths(caDir, slot);
    for (const file of [p.issuingKey, p.singleLevelKey]) {
      if (!existsSync(file)) continue;
      const raw = readFileSync(file);
      const plainHeader = Buffer.from(`${KEY_HEADER}${fileModeProtector.id}\n`);
      if (!raw.subarray(0, plainHeader.length).equals(plainHeader)) continue;
      const sealed = await protector.protect(raw.subarray(plainHeader.length));
      writeAtomic(file, Buffer.concat([Buffer.from(`${KEY_HEADER}${protector.id}\n`), sealed]), 0o600);
      count++;
    }
  }
  return count;
}

/** Takes a slot out of use: certificates kept as retired-<serial>.crt.pem, keys deleted. */
export function retireSlot(caDir: string, slot: Slot, ca: CaChainInfo): void {
  const p = paths(caDir, slot);
  if (existsSync(p.root)) renameSync(p.root, join(caDir, `retired-${ca.serialNumber}.crt.pem`));
  if (!ca.singleLevel && existsSync(p.issuingCert)) renameSync(p.issuingCert, join(caDir, `retired-${ca.issuing.serialNumber}.crt.pem`));
  rmSync(p.issuingKey, { force: true }); // a retired CA key has no further use
  rmSync(p.singleLevelKey, { force: true });
}

/** next → current (the current slot must have been retired first). */
export function promoteNext(caDir: string): void {
  const from = paths(caDir, 'next');
  const to = paths(caDir, 'current');
  renameSync(from.issuingKey, to.issuingKey);
  renameSync(from.issuingCert, to.issuingCert);
  renameSync(from.root, to.root);
}

export function stripKey(ca: LoadedCa): CaChainInfo {
  const { keyPem: _drop, ...issuing } = ca.issuing;
  return { ...ca, issuing };
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

async function readKey(keyFile: string, protector: KeyProtector): Promise<string> {
  const raw = readFileSync(keyFile);
  const nl = raw.indexOf(0x0a);
  const header = raw.subarray(0, nl < 0 ? 0 : nl).toString('utf8');
  if (!header.startsWith(KEY_HEADER)) throw new WitnessError('CA_INVALID', `${keyFile} is not a Witness key file.`);
  const protectorId = header.slice(KEY_HEADER.length);
  // A key from before the vault is plain: readable whatever the protector, re-sealed by the caller.
  if (protectorId === fileModeProtector.id) protector = fileModeProtector;
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
  return keyPem;
}

/** A key file swapped in from another CA would make every leaf fail verification: refuse it at start. */
function assertKeyMatches(keyPem: string, certPem: string, keyFile: string) {
  let matches: boolean;
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    matches = Buffer.from(new x509.X509Certificate(certPem).publicKey.rawData).equals(fromKey);
  } catch (e) {
    throw new WitnessError('CA_INVALID', `${keyFile} does not hold a usable private key (${(e as Error).message}).`, { cause: e });
  }
  if (!matches) throw new WitnessError('CA_INVALID', `${keyFile} does not belong to its certificate. Restore the CA folder from one backup, or move it away to create a new CA.`);
}

async function signedBy(certPem: string, issuerPem: string): Promise<boolean> {
  const issuer = new x509.X509Certificate(issuerPem);
  return new x509.X509Certificate(certPem).verify({ publicKey: issuer, signatureOnly: true });
}
