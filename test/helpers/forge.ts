/**
 * Test-time forgeries: certificates that someone holding a Witness CA key could sign, and
 * the verifiers that must refuse them (openssl verify, an NSS database through certutil).
 * Keys are generated fresh for every run; nothing here is committed.
 */
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { EC_ALGORITHM, SIGNING_ALGORITHM, nameConstraintsExtension, serverAuthOnly, toPem } from '../../proxy/ca/index.js';

export interface Signer {
  certPem: string;
  keyPem: string;
}

export type San = { type: 'dns' | 'ip' | 'email' | 'url'; value: string };

export interface ForgeOptions {
  subject: string;
  sans?: San[];
  /** EKU OIDs (x509.ExtendedKeyUsage.*); none when omitted. */
  eku?: string[];
  /** A CA certificate with this pathlen (null: no limit). */
  ca?: { pathLength: number | null };
}

export const EKU = x509.ExtendedKeyUsage;

/** Signs a certificate with `issuer`'s key, as a thief with that key could. */
export async function forge(issuer: Signer, o: ForgeOptions): Promise<Signer> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const issuerCert = new x509.X509Certificate(issuer.certPem);
  const now = Date.now();
  const extensions: x509.Extension[] = [
    o.ca ? new x509.BasicConstraintsExtension(true, o.ca.pathLength ?? undefined, true) : new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(o.ca ? x509.KeyUsageFlags.keyCertSign : x509.KeyUsageFlags.digitalSignature, true),
    await x509.AuthorityKeyIdentifierExtension.create(issuerCert, false),
  ];
  if (o.ca) extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (o.eku) extensions.push(new x509.ExtendedKeyUsageExtension(o.eku));
  if (o.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(o.sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '03' + webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), ''),
    subject: o.subject,
    issuer: issuerCert.subjectName,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 7 * 86400_000),
    publicKey: keys.publicKey,
    signingKey: await importKey(issuer.keyPem),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

/**
 * A root with the shape of a Witness root (pathlen 1, the same constraints and EKU) whose
 * key is kept: the real root's key is gone, so this is how a root-signed leaf is tested.
 */
export async function rootLikeWitness(subtrees: readonly string[]): Promise<Signer> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '04' + Date.now().toString(16),
    name: 'C=XX, O=Witness test, CN=Witness-shaped test root',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 86400_000),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      serverAuthOnly(),
      nameConstraintsExtension(subtrees),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

export interface VerifyResult {
  ok: boolean;
  out: string;
}

/**
 * `openssl verify` with `trustedPem` as the only trust anchor and `untrustedPem` as
 * candidate intermediates (what a TLS peer sends along).
 */
export function opensslVerify(
  leafPem: string,
  chain: { trusted: string; untrusted?: string },
  opts: { purpose?: string; hostname?: string } = {},
): VerifyResult {
  const dir = mkdtempSync(join(tmpdir(), 'witness-verify-'));
  const file = (name: string, pem: string) => (writeFileSync(join(dir, name), pem), join(dir, name));
  const args = ['verify', '-CAfile', file('trusted.pem', chain.trusted)];
  if (chain.untrusted) args.push('-untrusted', file('untrusted.pem', chain.untrusted));
  if (opts.purpose) args.push('-purpose', opts.purpose);
  if (opts.hostname) args.push('-verify_hostname', opts.hostname);
  args.push(file('leaf.pem', leafPem));
  try {
    return { ok: true, out: execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** A throwaway NSS database (Debian libnss3-tools), the store Chrome and Firefox read on Linux. */
export class NssDb {
  readonly dir: string;
  constructor(homeDir = mkdtempSync(join(tmpdir(), 'witness-nss-'))) {
    this.dir = join(homeDir, '.pki', 'nssdb');
    mkdirSync(this.dir, { recursive: true });
    this.certutil(['-N', '--empty-password']);
  }

  certutil(args: string[]): string {
    return execFileSync('certutil', ['-d', `sql:${this.dir}`, ...args], { encoding: 'utf8', stdio: 'pipe' });
  }

  /** Trust flags as `certutil -L` prints them ("C,,"), or null when the nickname is absent. */
  trustOf(nickname: string): string | null {
    const line = this.certutil(['-L'])
      .split('\n')
      .find((l) => l.startsWith(nickname + ' ') || l.startsWith(nickname + '\t'));
    return line ? line.slice(nickname.length).trim() : null;
  }

  add(nickname: string, pem: string, trust = ',,') {
    const file = join(this.dir, `${nickname.replace(/\W/g, '_')}.pem`);
    writeFileSync(file, pem);
    this.certutil(['-A', '-n', nickname, '-t', trust, '-i', file]);
  }

  /** certutil -V: V = TLS server, C = TLS client, S = e-mail signer, J = object signer. */
  verify(nickname: string, usage: 'V' | 'C' | 'S' | 'J'): VerifyResult {
    try {
      return { ok: true, out: this.certutil(['-V', '-n', nickname, '-u', usage]) };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return toPem(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}
