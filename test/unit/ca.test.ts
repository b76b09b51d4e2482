import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  activateNext,
  EC_ALGORITHM,
  ensureCa,
  fileModeProtector,
  vaultProtector,
  permittedSubtrees,
  SIGNING_ALGORITHM,
  subtreesCover,
  toPem,
  type CaState,
  type KeyProtector,
} from '../../proxy/ca/index.js';
import { FileKeyVault, vaultDir } from '../../proxy/keys/index.js';
import { DEFAULT_INTERCEPT_HOSTS } from '../../proxy/config/index.js';
import { createLogger } from '../../proxy/log.js';
import { runCli } from '../helpers/cli.js';
import { EKU, forge, opensslVerify } from '../helpers/forge.js';

const DAY = 86400_000;
const hosts = DEFAULT_INTERCEPT_HOSTS;
let dir: string;
let ca: CaState;
/** Every key pair WebCrypto generated while the first CA was created. */
const generated: webcrypto.CryptoKeyPair[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-ca-'));
  const spy = vi.spyOn(webcrypto.subtle, 'generateKey');
  try {
    ca = await ensureCa({ caDir: join(dir, 'ca'), hosts, validityDays: 730, renewBeforeDays: 30 });
    for (const r of spy.mock.results) generated.push((await r.value) as webcrypto.CryptoKeyPair);
  } finally {
    spy.mockRestore();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (pem: string) => execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
const spki = (pem: string) => Buffer.from(new x509.X509Certificate(pem).publicKey.rawData).toString('base64');

/** Public keys (SPKI, base64) of every private key stored anywhere under `root`, unwrapped through `protector`. */
async function storedKeys(root: string, protector?: KeyProtector): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      let raw: Buffer = readFileSync(p);
      if (raw.toString('utf8').startsWith('witness-key v1 protector=')) {
        // By default the protection ensureCa uses: sealed under ca.kek in DATA_DIR/keys (the CA is DATA_DIR/ca).
        const header = raw.subarray(0, raw.indexOf(0x0a)).toString('utf8');
        const using = header.endsWith('=file-0600') ? fileModeProtector : (protector ?? vaultProtector(new FileKeyVault({ dir: vaultDir(dirname(dirname(p))) })));
        raw = await using.unprotect(raw.subarray(raw.indexOf(0x0a) + 1));
      }
      for (const m of raw.toString('utf8').matchAll(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/g)) {
        found.push(createPublicKey(createPrivateKey(m[0])).export({ type: 'spki', format: 'der' }).toString('base64'));
      }
    }
  };
  await walk(root);
  return found;
}

describe('the Witness CA', () => {
  it('is a root (pathlen 1) that signed one issuing CA (pathlen 0)', async () => {
    expect(ca.active.singleLevel).toBe(false);
    expect(text(ca.active.certPem)).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(text(ca.active.issuing.certPem)).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(ca.active.issuing.subject).not.toBe(ca.active.subject);
    expect(await new x509.X509Certificate(ca.active.issuing.certPem).verify({ publicKey: new x509.X509Certificate(ca.active.certPem), signatureOnly: true })).toBe(true);
    expect(opensslVerify(ca.active.issuing.certPem, { trusted: ca.active.certPem })).toMatchObject({ ok: true });
    expect([ca.active.issuing.notBefore, ca.active.issuing.notAfter]).toEqual([ca.active.notBefore, ca.active.notAfter]);
  });

  it('restricts both certificates to TLS server authentication and the Copilot names', () => {
    for (const pem of [ca.active.certPem, ca.active.issuing.certPem]) {
      const t = text(pem);
      expect(t).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
      expect(t).toMatch(/Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
      expect(t).toMatch(/Name Constraints: critical/);
      const permitted = t.slice(t.indexOf('Permitted:'), t.indexOf('Excluded:'));
      expect(permitted).toMatch(/DNS:githubcopilot\.com/);
      expect(permitted).toMatch(/email:invalid\s+URI:invalid\s+DirName:C = XX\n/);
      expect(t.slice(t.indexOf('Excluded:'))).toMatch(/Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0\s+email:invalid\s+URI:invalid\n/);
      expect(t).toMatch(/Subject: C = XX, O = /);
    }
    expect(ca.active.permittedSubtrees).toEqual([
      'copilot-proxy.githubusercontent.com',
      'copilot-telemetry.githubusercontent.com',
      'githubcopilot.com',
      'origin-tracker.githubusercontent.com',
    ]);
  });

  it('is valid for at most two years and keeps the issuing key private (0600 in a 0700 folder)', () => {
    const lifetime = ca.active.notAfter.getTime() - ca.active.notBefore.getTime();
    expect(lifetime).toBeLessThanOrEqual(730 * DAY);
    expect(statSync(join(dir, 'ca', 'current.issuing.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'ca')).sort()).toEqual(['current.crt.pem', 'current.issuing.crt.pem', 'current.issuing.key']);
  });

  it('never writes the root key: it was non-extractable, and no file holds a key for the root', async () => {
    const rootSpki = spki(ca.active.certPem);
    const rootPair = await Promise.all(
      generated.map(async (k) => ({ k, spki: Buffer.from(await webcrypto.subtle.exportKey('spki', k.publicKey)).toString('base64') })),
    ).then((all) => all.find((p) => p.spki === rootSpki)!.k);
    expect(rootPair.privateKey.extractable).toBe(false);
    await expect(webcrypto.subtle.exportKey('pkcs8', rootPair.privateKey)).rejects.toThrow();

    const keys = await storedKeys(dir);
    expect(keys).toEqual([spki(ca.active.issuing.certPem)]);
    expect(keys).not.toContain(rootSpki);
  });

  it('signs, through its issuing CA, leaves for Copilot hosts that verify against the root alone', async () => {
    const leaf = await forge({ certPem: ca.active.issuing.certPem, keyPem: ca.active.issuing.keyPem }, {
      subject: 'C=XX, CN=api.githubcopilot.com',
      sans: [{ type: 'dns', value: 'api.githubcopilot.com' }],
      eku: [EKU.serverAuth, EKU.clientAuth], // what mockttp puts in its leaves
    });
    const chain = { trusted: ca.active.certPem, untrusted: ca.active.issuing.certPem };
    expect(opensslVerify(leaf.certPem, chain, { purpose: 'sslserver', hostname: 'api.githubcopilot.com' })).toMatchObject({ ok: true });
    expect(opensslVerify(leaf.certPem, { trusted: ca.active.certPem })).toMatchObject({ ok: false }); // the issuing CA must be sent along
  });

  it('is reused on the next start, not regenerated', async () => {
    const again = await ensureCa({ caDir: join(dir, 'ca'), hosts, validityDays: 730, renewBeforeDays: 30 });
    expect(again.active.fingerprint256).toBe(ca.active.fingerprint256);
    expect(again.active.issuing.keyPem).toBe(ca.active.issuing.keyPem);
    expect(again.changes).toEqual([]);
    expect(again.notice).toBeNull();
  });
});

describe('CA rotation', () => {
  const t0 = new Date('2027-01-01T00:00:00Z').getTime();
  const at = (days: number) => () => new Date(t0 + days * DAY);

  it('creates the next root + issuing CA 30 days before expiry, publishes both roots, then switches when the old one is about to expire', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-rot-')), 'ca');
    const first = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(0) });
    expect(first.changes).toEqual(['created']);
    expect(first.next).toBeNull();

    const quiet = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(650) });
    expect(quiet.changes).toEqual([]);

    const overlap = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(705) });
    expect(overlap.changes).toEqual(['next-created']);
    expect(overlap.active.fingerprint256).toBe(first.active.fingerprint256); // old one kept while the new one gets trusted
    expect(overlap.next?.singleLevel).toBe(false);
    expect(overlap.bundlePem).toBe(first.active.certPem + overlap.next!.certPem); // roots only
    expect(overlap.switchAt).toEqual(new Date(first.active.notAfter.getTime() - DAY));
    expect(overlap.notice).toMatch(/next Witness CA is published .* trust it before/);
    expect((await storedKeys(caDir)).sort()).toEqual([spki(first.active.issuing.certPem), spki(overlap.next!.issuing.certPem)].sort());

    const switched = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(729.5) });
    expect(switched.changes).toEqual(['rotated']);
    expect(switched.active.fingerprint256).toBe(overlap.next!.fingerprint256);
    expect(switched.active.issuing.fingerprint256).toBe(overlap.next!.issuing.fingerprint256);
    expect(switched.next).toBeNull();
    expect(readdirSync(caDir).sort()).toEqual(
      ['current.crt.pem', 'current.issuing.crt.pem', 'current.issuing.key', `retired-${first.active.serialNumber}.crt.pem`, `retired-${first.active.issuing.serialNumber}.crt.pem`].sort(),
    );
    expect(await storedKeys(caDir)).toEqual([spki(switched.active.issuing.certPem)]);
  });

  it('replaces a CA whose constraints no longer cover the intercepted hosts', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-scope-')), 'ca');
    const a = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    const b = await ensureCa({ caDir, hosts: [...hosts, 'api.github.com'], validityDays: 730, renewBeforeDays: 30 });
    expect(b.changes).toEqual(['rescoped']);
    expect(b.active.fingerprint256).not.toBe(a.active.fingerprint256);
    expect(b.active.permittedSubtrees).toContain('api.github.com');
    expect(text(b.active.issuing.certPem)).toMatch(/DNS:api\.github\.com/);
  });

  it('refuses to overwrite a damaged CA and says how to recover', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-dmg-')), 'ca');
    await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    const root = readFileSync(join(caDir, 'current.crt.pem'), 'utf8');
    unlinkSync(join(caDir, 'current.issuing.key'));
    await expect(ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 })).rejects.toMatchObject({ code: 'CA_INVALID', message: /issuing CA key for "current" is missing/ });
    expect(readFileSync(join(caDir, 'current.crt.pem'), 'utf8')).toBe(root);
  });

  it('refuses files from two different CAs', async () => {
    const base = mkdtempSync(join(tmpdir(), 'witness-mix-'));
    const [a, b] = [join(base, 'a'), join(base, 'b')];
    await ensureCa({ caDir: a, hosts, validityDays: 730, renewBeforeDays: 30 });
    await ensureCa({ caDir: b, hosts, validityDays: 730, renewBeforeDays: 30 });
    const keyA = readFileSync(join(a, 'current.issuing.key'));
    writeFileSync(join(a, 'current.issuing.key'), readFileSync(join(b, 'current.issuing.key')));
    await expect(ensureCa({ caDir: a, hosts, validityDays: 730, renewBeforeDays: 30 })).rejects.toMatchObject({ code: 'CA_INVALID', message: /does not belong to its certificate/ });
    writeFileSync(join(a, 'current.issuing.key'), keyA);
    writeFileSync(join(a, 'current.crt.pem'), readFileSync(join(b, 'current.crt.pem')));
    await expect(ensureCa({ caDir: a, hosts, validityDays: 730, renewBeforeDays: 30 })).rejects.toMatchObject({ code: 'CA_INVALID', message: /was not signed by the root/ });
  });

  it('unwraps the issuing key through the configured protector and refuses a different one', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-prot-')), 'ca');
    const xor: KeyProtector = {
      id: 'test-xor',
      protect: async (b) => Buffer.from(b.map((x) => x ^ 0x5a)),
      unprotect: async (b) => Buffer.from(b.map((x) => x ^ 0x5a)),
    };
    const a = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, protector: xor });
    expect(readFileSync(join(caDir, 'current.issuing.key'), 'utf8')).not.toContain('PRIVATE KEY');
    expect(await storedKeys(caDir, xor)).toEqual([spki(a.active.issuing.certPem)]);
    const b = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, protector: xor });
    expect(b.active.issuing.keyPem).toBe(a.active.issuing.keyPem);
    await expect(ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 })).rejects.toMatchObject({ code: 'CA_KEY_LOCKED' });
  });
});

describe('upgrading a single-level CA from an older Witness', () => {
  const t0 = new Date('2027-03-01T00:00:00Z').getTime();
  const at = (days: number) => () => new Date(t0 + days * DAY);

  it('keeps signing with the old CA, publishes a new root + issuing CA, says trust is needed anew, and switches 30 days later', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-upg-')), 'ca');
    const legacy = await writeSingleLevelCa(caDir, 'current', new Date(t0), 730);
    const logs: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => logs.push(l) });

    const up = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(100), log });
    expect(up.changes).toEqual(['upgrade-started']);
    expect(up.active.singleLevel).toBe(true);
    expect(up.active.certPem).toBe(legacy.certPem);
    expect(up.active.issuing.keyPem).toBe(legacy.keyPem); // Copilot keeps working with the trusted CA
    expect(up.next?.singleLevel).toBe(false);
    expect(up.bundlePem).toBe(legacy.certPem + up.next!.certPem);
    expect(up.switchAt).toEqual(new Date(t0 + 130 * DAY));
    expect(up.notice).toMatch(/trust the new root anew/);
    expect(up.notice).toContain(up.next!.fingerprint256);
    expect(up.notice).toContain(up.active.fingerprint256); // the one to remove afterwards
    expect(logs.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ level: 'warn', msg: up.notice }));

    const during = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(129), log });
    expect(during.changes).toEqual([]);
    expect(during.active.singleLevel).toBe(true);
    expect(during.next?.fingerprint256).toBe(up.next!.fingerprint256);

    const after = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(130.01), log });
    expect(after.changes).toEqual(['rotated']);
    expect(after.active.fingerprint256).toBe(up.next!.fingerprint256);
    expect(after.active.singleLevel).toBe(false);
    expect(after.notice).toBeNull();
    expect(existsSync(join(caDir, 'current.key'))).toBe(false); // the old key is gone
    expect(existsSync(join(caDir, `retired-${legacy.serialNumber}.crt.pem`))).toBe(true);
    expect(await storedKeys(caDir)).toEqual([spki(after.active.issuing.certPem)]);
  });

  it('switches at once on `activate-next`', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-upg-now-')), 'ca');
    await writeSingleLevelCa(caDir, 'current', new Date(), 730);
    const up = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    await activateNext(caDir);
    const now = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    expect(now.active.fingerprint256).toBe(up.next!.fingerprint256);
    expect(now.active.singleLevel).toBe(false);
    expect(existsSync(join(caDir, 'current.key'))).toBe(false);
  });

  it('replaces a single-level CA with less than a day left at once, and drops a single-level next CA', async () => {
    const expiring = join(mkdtempSync(join(tmpdir(), 'witness-upg-exp-')), 'ca');
    await writeSingleLevelCa(expiring, 'current', new Date(t0), 730);
    const replaced = await ensureCa({ caDir: expiring, hosts, validityDays: 730, renewBeforeDays: 30, now: at(729.5) });
    expect(replaced.changes).toEqual(['created']);
    expect(replaced.active.singleLevel).toBe(false);

    const withNext = join(mkdtempSync(join(tmpdir(), 'witness-upg-next-')), 'ca');
    await writeSingleLevelCa(withNext, 'current', new Date(t0), 730);
    const oldNext = await writeSingleLevelCa(withNext, 'next', new Date(t0 + 700 * DAY), 730);
    const up = await ensureCa({ caDir: withNext, hosts, validityDays: 730, renewBeforeDays: 30, now: at(705) });
    expect(up.changes).toEqual(['upgrade-started']);
    expect(up.next?.singleLevel).toBe(false);
    expect(existsSync(join(withNext, 'next.key'))).toBe(false);
    expect(existsSync(join(withNext, `retired-${oldNext.serialNumber}.crt.pem`))).toBe(true);
  });

  it('`witness ca cert` prints both roots and says on stderr that the new root must be trusted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-upg-cli-'));
    const legacy = await writeSingleLevelCa(join(dataDir, 'ca'), 'current', new Date(), 730);
    const r = await runCli(['ca', 'cert', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    const pems = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    expect(pems).toHaveLength(2);
    expect(pems[0]).toBe(legacy.certPem);
    expect(pems[1]).toBe(readFileSync(join(dataDir, 'ca', 'next.crt.pem'), 'utf8'));
    expect(r.stderr).toMatch(/clients must trust the new root anew/);

    const j = await runCli(['ca', 'cert', '--data-dir', dataDir, '--json']);
    const out = JSON.parse(j.stdout);
    expect(out.current).toMatchObject({ pem: legacy.certPem, issuing: null });
    expect(out.next.issuing.pem).toBe(readFileSync(join(dataDir, 'ca', 'next.issuing.crt.pem'), 'utf8'));
    expect(out.notice).toMatch(/trust the new root anew/);
    expect(new Date(out.switchAt).getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
  }, 60_000);
});

describe('name-constraint subtrees', () => {
  it('collapses wildcards and covered names', () => {
    expect(permittedSubtrees(['*.githubcopilot.com', 'githubcopilot.com', 'api.githubcopilot.com', 'copilot-proxy.githubusercontent.com'])).toEqual([
      'copilot-proxy.githubusercontent.com',
      'githubcopilot.com',
    ]);
    expect(subtreesCover(['githubcopilot.com'], ['*.business.githubcopilot.com'])).toBe(true);
    expect(subtreesCover(['githubcopilot.com'], ['api.github.com'])).toBe(false);
  });
});

/**
 * A CA as Witness wrote it before the two-level CA: self-signed, pathlen 0, DNS/IP constraints
 * only, no EKU, its own key in `<slot>.key` (plain, as the file-0600 protector writes it).
 */
async function writeSingleLevelCa(caDir: string, slot: 'current' | 'next', notBefore: Date, days: number) {
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const subtrees = permittedSubtrees(hosts);
  const ipAll = (cidr: string) => new GeneralSubtree({ base: new GeneralName({ iPAddress: cidr }) });
  const nc = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees(subtrees.map((d) => new GeneralSubtree({ base: new GeneralName({ dNSName: d }) }))),
    excludedSubtrees: new GeneralSubtrees([ipAll('0.0.0.0/0'), ipAll('::/0')]),
  });
  const serialNumber = '0a' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name: [{ CN: ['Witness Copilot Audit CA legacy'] }, { O: ['Witness (local, Copilot hosts only)'] }],
    notBefore: new Date(notBefore.getTime() - 3600_000),
    notAfter: new Date(notBefore.getTime() - 3600_000 + days * DAY),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(nc)),
    ],
  });
  const certPem = cert.toString('pem').replace(/\r\n/g, '\n').trim() + '\n';
  const keyPem = toPem(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 'PRIVATE KEY');
  writeFileSync(join(caDir, `${slot}.key`), `witness-key v1 protector=file-0600\n${keyPem}`, { mode: 0o600 });
  writeFileSync(join(caDir, `${slot}.crt.pem`), certPem);
  return { certPem, keyPem, serialNumber: cert.serialNumber };
}
