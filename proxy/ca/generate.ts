/**
 * Creating the Witness root CA. It may only ever vouch for Copilot hosts:
 *  - Name Constraints (critical): permitted dNSName subtrees = the intercepted domains,
 *    excluded iPAddress 0.0.0.0/0 and ::/0, so a leaf for any other name or any IP fails;
 *  - Basic Constraints (critical): CA, pathlen 0, so it cannot mint intermediate CAs.
 * mockttp's own generator cannot express the IP exclusion or pathlen.
 */
import { webcrypto, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface GeneratedCa {
  certPem: string;
  keyPkcs8Pem: string;
}

export interface GenerateCaOptions {
  subtrees: readonly string[];
  notBefore: Date;
  notAfter: Date;
  commonName?: string;
}

export async function generateCa(opts: GenerateCaOptions): Promise<GeneratedCa> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const machineTag = randomBytes(4).toString('hex');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: positiveSerial(),
    name: [
      { CN: [opts.commonName ?? `Witness Copilot Audit CA ${machineTag}`] },
      { O: ['Witness (local, Copilot hosts only)'] },
    ],
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(nameConstraints(opts.subtrees))),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem').replace(/\r\n/g, '\n').trim() + '\n', keyPkcs8Pem: toPem(Buffer.from(pkcs8), 'PRIVATE KEY') };
}

export function nameConstraints(subtrees: readonly string[]): NameConstraints {
  // asn1-x509 encodes "addr/prefix" as address || mask (RFC 5280 §4.2.1.10): /0 = the whole family.
  const ipAll = (cidr: string) => new GeneralSubtree({ base: new GeneralName({ iPAddress: cidr }) });
  return new NameConstraints({
    permittedSubtrees: new GeneralSubtrees(subtrees.map((d) => new GeneralSubtree({ base: new GeneralName({ dNSName: d }) }))),
    excludedSubtrees: new GeneralSubtrees([ipAll('0.0.0.0/0'), ipAll('::/0')]),
  });
}

/** Reads the permitted dNSName subtrees back out of a CA certificate. */
export function readPermittedSubtrees(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(id_ce_nameConstraints);
  if (!ext) return [];
  const nc = AsnConvert.parse(ext.value, NameConstraints);
  return Array.from(nc.permittedSubtrees ?? [], (s) => s.base.dNSName).filter((d): d is string => typeof d === 'string');
}

function positiveSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, non-zero leading byte
  return b.toString('hex');
}

export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
