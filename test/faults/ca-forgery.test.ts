/**
 * Issue 20, "The CA, where trust stores are lax": what a thief holding the Witness issuing
 * CA's key can sign, checked by real verifiers with the Witness root as the only trust
 * anchor and the issuing CA sent along as a TLS peer would send it.
 */
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EC_ALGORITHM, ensureCa, permittedSubtrees, SIGNING_ALGORITHM, type CaState } from '../../proxy/ca/index.js';
import { DEFAULT_INTERCEPT_HOSTS } from '../../proxy/config/index.js';
import { EKU, forge, opensslVerify, rootLikeWitness, type San, type Signer } from '../helpers/forge.js';
import { createTestRoot } from '../helpers/pki.js';

let dir: string;
let ca: CaState;
let issuing: Signer;
/** What a verifier gets: the root it trusts, the issuing CA from the peer. */
let chain: { trusted: string; untrusted: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-forgery-'));
  ca = await ensureCa({ caDir: join(dir, 'ca'), hosts: DEFAULT_INTERCEPT_HOSTS, validityDays: 730, renewBeforeDays: 30 });
  issuing = { certPem: ca.active.issuing.certPem, keyPem: ca.active.issuing.keyPem };
  chain = { trusted: ca.active.certPem, untrusted: ca.active.issuing.certPem };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serverLeaf = (name: string, sans: San[] = [{ type: 'dns', value: name }]) =>
  forge(issuing, { subject: `C=XX, CN=${name}`, sans, eku: [EKU.serverAuth] });

describe('a leaf signed with the issuing CA key', () => {
  it('verifies for a Copilot host (the control: everything below is refused by the CA, not by the harness)', async () => {
    for (const name of ['api.githubcopilot.com', 'proxy.business.githubcopilot.com', 'copilot-proxy.githubusercontent.com']) {
      const leaf = await serverLeaf(name);
      expect(opensslVerify(leaf.certPem, chain, { purpose: 'sslserver', hostname: name }), name).toMatchObject({ ok: true });
      expect(await tlsHandshake(leaf, name)).toBe('ok');
    }
  });

  it('is refused for github.com and its subdomains', async () => {
    for (const name of ['github.com', 'api.github.com', 'githubusercontent.com']) {
      const leaf = await serverLeaf(name);
      const r = opensslVerify(leaf.certPem, chain, { purpose: 'sslserver' });
      expect(r.ok, name).toBe(false);
      expect(r.out).toMatch(/permitted subtree violation/);
    }
    expect(await tlsHandshake(await serverLeaf('github.com'), 'github.com')).toMatch(/PERMITTED_SUBTREE|subtree/i);
  });

  it('is refused for look-alike names that merely contain a Copilot domain', async () => {
    for (const name of ['api.githubcopilot.com.evil.com', 'evilgithubcopilot.com', 'githubcopilot.co', 'copilot-proxy.githubusercontent.com.evil.net', 'xcopilot-proxy.githubusercontent.com']) {
      const r = opensslVerify((await serverLeaf(name)).certPem, chain);
      expect(r.ok, name).toBe(false);
      expect(r.out).toMatch(/permitted subtree violation/);
    }
  });

  it('is refused for a wildcard outside the permitted subtrees', async () => {
    for (const name of ['*.githubusercontent.com', '*.github.com', '*.com', '*.githubcopilot.com.evil.com']) {
      const r = opensslVerify((await serverLeaf(name)).certPem, chain);
      expect(r.ok, name).toBe(false);
      expect(r.out).toMatch(/permitted subtree violation/);
    }
  });

  it('is refused for any IP address, alone or next to a permitted name', async () => {
    for (const sans of [['10.1.2.3'], ['127.0.0.1'], ['::1'], ['api.githubcopilot.com', '192.168.0.10']]) {
      const leaf = await forge(issuing, {
        subject: 'C=XX, CN=api.githubcopilot.com',
        sans: sans.map((s) => (/^[\d.]+$|:/.test(s) ? { type: 'ip' as const, value: s } : { type: 'dns' as const, value: s })),
        eku: [EKU.serverAuth],
      });
      const r = opensslVerify(leaf.certPem, chain);
      expect(r.ok, sans.join(',')).toBe(false);
      expect(r.out).toMatch(/excluded subtree violation/);
    }
    const ipLeaf = await serverLeaf('127.0.0.1', [{ type: 'ip', value: '127.0.0.1' }]);
    expect(await tlsHandshake(ipLeaf, '127.0.0.1')).toMatch(/EXCLUDED_VIOLATION|subtree/i);
  });

  it('is refused with a common name only (no SAN), whether the CN is a host name or a person', async () => {
    const hostCn = await forge(issuing, { subject: 'C=XX, CN=github.com', eku: [EKU.serverAuth] });
    expect(opensslVerify(hostCn.certPem, chain).out).toMatch(/permitted subtree violation/);
    const personCn = await forge(issuing, { subject: 'CN=alice', eku: [EKU.clientAuth] });
    expect(opensslVerify(personCn.certPem, chain).out).toMatch(/permitted subtree violation/); // directoryName C=XX only
  });

  it('is refused as an S/MIME certificate for ceo@github.com', async () => {
    const smime = await forge(issuing, { subject: 'C=XX, CN=CEO', sans: [{ type: 'email', value: 'ceo@github.com' }], eku: [EKU.emailProtection] });
    const plain = opensslVerify(smime.certPem, chain);
    expect(plain.ok).toBe(false);
    expect(plain.out).toMatch(/subtree violation/);
    const asSmime = opensslVerify(smime.certPem, chain, { purpose: 'smimesign' });
    expect(asSmime.ok).toBe(false);
    expect(asSmime.out).toMatch(/unsuitable certificate purpose/); // the CA's EKU: serverAuth only
    // The address as the subject's emailAddress attribute instead of a SAN: the same constraint applies.
    const inSubject = await forge(issuing, { subject: 'C=XX, E=ceo@github.com', eku: [EKU.emailProtection] });
    expect(opensslVerify(inSubject.certPem, chain).out).toMatch(/subtree violation/);
  });

  it('is refused as a URI-SAN (SPIFFE) identity', async () => {
    for (const uri of ['spiffe://github.com/ns/prod/sa/deployer', 'https://api.githubcopilot.com/', 'spiffe://x.invalid/ns/a']) {
      const svid = await forge(issuing, { subject: 'C=XX', sans: [{ type: 'url', value: uri }], eku: [EKU.serverAuth, EKU.clientAuth] });
      const r = opensslVerify(svid.certPem, chain);
      expect(r.ok, uri).toBe(false);
      expect(r.out).toMatch(/subtree violation/);
    }
  });

  it('is refused as a code-signing certificate for "Microsoft Corporation"', async () => {
    const ms = await forge(issuing, { subject: 'C=US, ST=Washington, L=Redmond, O=Microsoft Corporation, CN=Microsoft Corporation', eku: [EKU.codeSigning] });
    const r = opensslVerify(ms.certPem, chain);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/permitted subtree violation/);
    // Inside the C=XX prefix the name constraints cannot tell it apart; the CA's EKU does,
    // wherever EKUs chain (the NSS test in ca-trust-store.test.ts checks object signing).
    const inPrefix = await forge(issuing, { subject: 'C=XX, O=Microsoft Corporation, CN=Microsoft Corporation', eku: [EKU.codeSigning] });
    expect(opensslVerify(inPrefix.certPem, chain, { purpose: 'sslserver' }).out).toMatch(/unsuitable certificate purpose/);
  });

  it('is refused as a TLS client certificate (openssl, and a Node mTLS server that trusts the Witness root)', async () => {
    const client = await forge(issuing, { subject: 'C=XX, CN=alice', eku: [EKU.clientAuth] });
    const r = opensslVerify(client.certPem, chain, { purpose: 'sslclient' });
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/unsuitable certificate purpose/);
    // A client certificate without any EKU is refused the same way: the CA's EKU decides.
    const noEku = await forge(issuing, { subject: 'C=XX, CN=alice' });
    expect(opensslVerify(noEku.certPem, chain, { purpose: 'sslclient' }).out).toMatch(/unsuitable certificate purpose/);

    expect(await mtlsLogin({ certPem: client.certPem + issuing.certPem, keyPem: client.keyPem }, ca.active.certPem)).toBe('INVALID_PURPOSE');
    // The control: the same server accepts a client certificate from a root meant for it.
    const clientRoot = await createTestRoot('Client-auth test root');
    const good = await forge(clientRoot, { subject: 'CN=alice', eku: [EKU.clientAuth] });
    expect(await mtlsLogin(good, clientRoot.certPem)).toBe('authorized');
  });

  it('cannot make a CA: a leaf under a CA certificate it signed fails on pathlen 0', async () => {
    const subCa = await forge(issuing, { subject: 'C=XX, CN=Sub CA', ca: { pathLength: null }, eku: [EKU.serverAuth] });
    const leaf = await forge(subCa, { subject: 'C=XX, CN=api.githubcopilot.com', sans: [{ type: 'dns', value: 'api.githubcopilot.com' }], eku: [EKU.serverAuth] });
    const r = opensslVerify(leaf.certPem, { trusted: chain.trusted, untrusted: chain.untrusted + subCa.certPem }, { purpose: 'sslserver' });
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/path length constraint exceeded/);
    expect(await tlsHandshake({ certPem: leaf.certPem + subCa.certPem, keyPem: leaf.keyPem }, 'api.githubcopilot.com')).toMatch(/PATH_LENGTH|path length/i);
  });
});

describe('a trust store that ignores the constraints of a self-signed root', () => {
  it('still refuses every forgery: the issuing CA carries the same constraints and EKU', async () => {
    // What such a store works with: the root's name and key, nothing of its extensions.
    // OpenSSL does not check a trust anchor's own signature, so any signer will do.
    const lax = await laxAnchor(ca.active.certPem);
    const laxChain = { trusted: lax, untrusted: ca.active.issuing.certPem };
    const good = await serverLeaf('api.githubcopilot.com');
    expect(opensslVerify(good.certPem, laxChain, { purpose: 'sslserver', hostname: 'api.githubcopilot.com' })).toMatchObject({ ok: true });
    const forged: Array<[string, Parameters<typeof forge>[1], string | undefined, RegExp]> = [
      ['github.com', { subject: 'C=XX, CN=github.com', sans: [{ type: 'dns', value: 'github.com' }], eku: [EKU.serverAuth] }, undefined, /permitted subtree violation/],
      ['IP', { subject: 'C=XX, CN=ip', sans: [{ type: 'ip', value: '10.0.0.1' }], eku: [EKU.serverAuth] }, undefined, /excluded subtree violation/],
      ['wildcard', { subject: 'C=XX', sans: [{ type: 'dns', value: '*.github.com' }], eku: [EKU.serverAuth] }, undefined, /permitted subtree violation/],
      ['CN only', { subject: 'CN=alice', eku: [EKU.clientAuth] }, undefined, /permitted subtree violation/],
      ['S/MIME', { subject: 'C=XX, CN=ceo', sans: [{ type: 'email', value: 'ceo@github.com' }], eku: [EKU.emailProtection] }, 'smimesign', /subtree violation|unsuitable certificate purpose/],
      ['SPIFFE', { subject: 'C=XX', sans: [{ type: 'url', value: 'spiffe://github.com/x' }] }, undefined, /subtree violation/],
      ['client', { subject: 'C=XX, CN=alice', eku: [EKU.clientAuth] }, 'sslclient', /unsuitable certificate purpose/],
    ];
    for (const [what, opts, purpose, why] of forged) {
      const r = opensslVerify((await forge(issuing, opts)).certPem, laxChain, purpose ? { purpose } : {});
      expect(r.ok, what).toBe(false);
      expect(r.out, what).toMatch(why);
    }
  });
});

describe('a leaf signed directly by a root of the Witness shape', () => {
  // The real root's key was dropped after it signed the issuing CA, so nothing can be signed
  // with it; this test root keeps its key to show what such a leaf would be worth: it is
  // bound by the root's own constraints and EKU, exactly like one from the issuing CA.
  let root: Signer;
  beforeAll(async () => {
    root = await rootLikeWitness(permittedSubtrees(DEFAULT_INTERCEPT_HOSTS));
  });

  it('verifies for a Copilot host (RFC 5280 allows it; the defence is that the root key no longer exists)', async () => {
    const leaf = await forge(root, { subject: 'C=XX, CN=api.githubcopilot.com', sans: [{ type: 'dns', value: 'api.githubcopilot.com' }], eku: [EKU.serverAuth] });
    expect(opensslVerify(leaf.certPem, { trusted: root.certPem }, { purpose: 'sslserver', hostname: 'api.githubcopilot.com' })).toMatchObject({ ok: true });
  });

  it('is refused for other names, IPs, e-mail, URIs and other purposes, as under the issuing CA', async () => {
    const cases: Array<[string, Parameters<typeof forge>[1], string | undefined, RegExp]> = [
      ['github.com', { subject: 'C=XX, CN=github.com', sans: [{ type: 'dns', value: 'github.com' }], eku: [EKU.serverAuth] }, undefined, /permitted subtree violation/],
      ['IP', { subject: 'C=XX, CN=ip', sans: [{ type: 'ip', value: '10.0.0.1' }], eku: [EKU.serverAuth] }, undefined, /excluded subtree violation/],
      ['S/MIME', { subject: 'C=XX, CN=ceo', sans: [{ type: 'email', value: 'ceo@github.com' }], eku: [EKU.emailProtection] }, undefined, /subtree violation/],
      ['SPIFFE', { subject: 'C=XX', sans: [{ type: 'url', value: 'spiffe://github.com/x' }] }, undefined, /subtree violation/],
      ['client', { subject: 'C=XX, CN=alice', eku: [EKU.clientAuth] }, 'sslclient', /unsuitable certificate purpose/],
    ];
    for (const [what, opts, purpose, why] of cases) {
      const r = opensslVerify((await forge(root, opts)).certPem, { trusted: root.certPem }, purpose ? { purpose } : {});
      expect(r.ok, what).toBe(false);
      expect(r.out, what).toMatch(why);
    }
  });
});

/** The root as a lax store sees it: same name and public key, no constraints, no EKU. */
async function laxAnchor(rootPem: string): Promise<string> {
  const root = new x509.X509Certificate(rootPem);
  const anyKey = (await webcrypto.subtle.generateKey(EC_ALGORITHM, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: root.serialNumber,
    subject: root.subjectName,
    issuer: root.subjectName,
    notBefore: root.notBefore,
    notAfter: root.notAfter,
    publicKey: root.publicKey,
    signingKey: anyKey.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), await x509.SubjectKeyIdentifierExtension.create(root.publicKey)],
  });
  return cert.toString('pem') + '\n';
}

/** A TLS server presenting `leaf` (plus the issuing CA, as the proxy does); a client that trusts only the Witness root. */
async function tlsHandshake(leaf: Signer, servername: string): Promise<string> {
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem.includes(issuing.certPem.trim()) ? leaf.certPem : leaf.certPem + issuing.certPem }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: /^[\d.]+$/.test(servername) ? undefined : servername, ca: ca.active.certPem, checkServerIdentity: () => undefined });
      s.once('secureConnect', () => (s.destroy(), resolve('ok')));
      s.once('error', (e) => resolve(`${(e as NodeJS.ErrnoException).code} ${e.message}`));
    });
  } finally {
    server.close();
  }
}

/** A mutual-TLS server that trusts `trustedRoot` for client certificates; how it judged `client`. */
async function mtlsLogin(client: Signer, trustedRoot: string): Promise<string> {
  const serverLeafCert = await createTestRoot('mTLS server root').then((r) => forge(r, { subject: 'CN=localhost', sans: [{ type: 'dns', value: 'localhost' }], eku: [EKU.serverAuth] }));
  const verdict = new Promise<string>((resolve) => {
    const server = tls.createServer({ key: serverLeafCert.keyPem, cert: serverLeafCert.certPem, ca: trustedRoot, requestCert: true, rejectUnauthorized: false }, (socket) => {
      resolve(socket.authorized ? 'authorized' : String(socket.authorizationError));
      socket.end();
      server.close();
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', cert: client.certPem, key: client.keyPem, rejectUnauthorized: false });
      c.on('error', () => undefined);
      c.on('close', () => undefined);
      c.resume();
    });
  });
  return verdict;
}
