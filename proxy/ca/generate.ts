/**
 * Creating a Witness CA: a self-signed root that clients trust, and the one issuing CA it
 * signs, which mints the leaves.
 *
 *   root        Basic Constraints CA, pathlen 1 (room for exactly one CA below it);
 *   issuing CA  Basic Constraints CA, pathlen 0 (leaves only, never another CA);
 *   both        the constraints and EKU of profile.ts, the same validity window.
 *
 * Two levels because some trust stores ignore name constraints on a self-signed root: the
 * issuing CA carries them again, and they bind every leaf whichever certificate a verifier
 * reads them from. The root's private key is created non-extractable, signs the issuing CA
 * and is dropped: it is never serialized, so it cannot reach a disk, a log or a backup,
 * and the root can never sign anything else. (mockttp's own CA generator can express
 * neither the IP exclusion nor the path lengths.)
 */
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { nameConstraintsExtension, serverAuthOnly, SUBJECT_COUNTRY } from './profile.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

const ORGANIZATION = 'Witness (local, Copilot hosts only)';

export interface GeneratedCa {
  /** The self-signed root: what clients trust. Its key no longer exists. */
  rootPem: string;
  /** The issuing CA, signed by the root: signs leaves, sent to clients after each leaf. */
  issuingPem: string;
  issuingKeyPkcs8Pem: string;
}

export interface GenerateCaOptions {
  subtrees: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

export async function generateCa(opts: GenerateCaOptions): Promise<GeneratedCa> {
  const tag = randomBytes(4).toString('hex');
  const constraints = nameConstraintsExtension(opts.subtrees);
  const keyUsage = new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true);
  const validity = { notBefore: opts.notBefore, notAfter: opts.notAfter };

  const root = await (async () => {
    // Non-extractable: it can sign, nothing can export it.
    const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: positiveSerial(),
      name: subject(`Witness Copilot Audit CA ${tag}`),
      ...validity,
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        keyUsage,
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        serverAuthOnly(),
        constraints,
      ],
    });
    return { cert: rootCert, sign: keys.privateKey };
  })();

  const issuingKeys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const issuing = await x509.X509CertificateGenerator.create({
    serialNumber: positiveSerial(),
    subject: subject(`Witness Copilot Audit Issuing CA ${tag}`),
    issuer: root.cert.subjectName,
    ...validity,
    publicKey: issuingKeys.publicKey,
    signingKey: root.sign,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      keyUsage,
      await x509.SubjectKeyIdentifierExtension.create(issuingKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root.cert, false),
      serverAuthOnly(),
      constraints,
    ],
  });
  // The root's key goes out of scope here, its one signature made.
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', issuingKeys.privateKey);
  return { rootPem: pem(root.cert), issuingPem: pem(issuing), issuingKeyPkcs8Pem: toPem(Buffer.from(pkcs8), 'PRIVATE KEY') };
}

/** `C=XX, O=…, CN=…`: inside the CA's own directoryName constraint (profile.ts). */
function subject(commonName: string): x509.JsonName {
  return [{ C: [SUBJECT_COUNTRY] }, { O: [ORGANIZATION] }, { CN: [commonName] }];
}

function pem(cert: x509.X509Certificate): string {
  return cert.toString('pem').replace(/\r\n/g, '\n').trim() + '\n';
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
