/** Test-time PKI: a throwaway root and leaves, generated fresh for every run (never committed). */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { EC_ALGORITHM, SIGNING_ALGORITHM, toPem } from '../../proxy/ca/index.js';

export interface TestCa {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export async function createTestRoot(name = 'Witness Test Upstream Root'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01' + Math.floor(Math.random() * 1e12).toString(16),
    name: `CN=${name}`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 86400_000),
    keys: keys as never,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey), cert, keys };
}

/** A leaf signed by `issuer` (certificate + private key as PEM). SANs: DNS names, or IPs when they look like one. */
export async function issueLeaf(
  issuer: { certPem: string; keyPem: string },
  sans: string[],
): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const issuerCert = new x509.X509Certificate(issuer.certPem);
  const issuerKey = await importKey(issuer.keyPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02' + Math.floor(Math.random() * 1e12).toString(16),
    subject: `CN=${sans[0]}`,
    issuer: issuerCert.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 7 * 86400_000),
    publicKey: keys.publicKey as never,
    signingKey: issuerKey as never,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        sans.map((s) => (/^[\d.]+$|:/.test(s) ? { type: 'ip' as const, value: s } : { type: 'dns' as const, value: s })),
      ),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return toPem(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}
