/**
 * Issue 20: the Witness root goes into trust stores for TLS server authentication only.
 * A real NSS database (Debian libnss3-tools: the store Chrome and Firefox read on Linux)
 * gets the root through the exact command trustCommands() returns; then NSS itself judges
 * leaves signed with the issuing CA's key for each usage.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa, trustCommands, type CaState } from '../../proxy/ca/index.js';
import { DEFAULT_INTERCEPT_HOSTS } from '../../proxy/config/index.js';
import { EKU, forge, NssDb, type Signer } from '../helpers/forge.js';

let dir: string;
let ca: CaState;
let issuing: Signer;
let rootFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-trust-'));
  ca = await ensureCa({ caDir: join(dir, 'ca'), hosts: DEFAULT_INTERCEPT_HOSTS, validityDays: 730, renewBeforeDays: 30 });
  issuing = { certPem: ca.active.issuing.certPem, keyPem: ca.active.issuing.keyPem };
  rootFile = join(dir, 'witness-ca.pem');
  writeFileSync(rootFile, ca.active.certPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trust-store install commands', () => {
  it('name each store with its server-auth-only trust setting', () => {
    const cmds = trustCommands('/tmp/witness ca.pem', { homeDir: '/home/ann', nickname: 'Witness CA' });
    const by = Object.fromEntries(cmds.map((c) => [c.store, c]));
    expect(by.nss!.argv).toEqual(['certutil', '-A', '-d', 'sql:/home/ann/.pki/nssdb', '-n', 'Witness CA', '-t', 'C,,', '-i', '/tmp/witness ca.pem']);
    expect(by.nss!.display).toBe(`certutil -A -d sql:/home/ann/.pki/nssdb -n 'Witness CA' -t C,, -i '/tmp/witness ca.pem'`);
    expect(by.macos!.argv).toEqual(['security', 'add-trusted-cert', '-r', 'trustRoot', '-p', 'ssl', '-k', '/home/ann/Library/Keychains/login.keychain-db', '/tmp/witness ca.pem']);
    expect(by.windows!.argv.slice(0, 4)).toEqual(['powershell.exe', '-NoProfile', '-NonInteractive', '-Command']);
    expect(by.windows!.display).toContain(`Import-Certificate -FilePath '\\tmp\\witness ca.pem' -CertStoreLocation 'Cert:\\CurrentUser\\Root'`);
    // CERT_ENHKEY_USAGE_PROP_ID (9) set to SEQUENCE { id-kp-serverAuth }.
    expect(by.windows!.display).toContain('[byte[]](0x30,0x0A,0x06,0x08,0x2B,0x06,0x01,0x05,0x05,0x07,0x03,0x01)');
    expect(by.windows!.display).toMatch(/CertSetCertificateContextProperty\(\$cert\.Handle, 9, 0/);
    expect(cmds.every((c) => !c.admin)).toBe(true);

    const machine = Object.fromEntries(trustCommands('C:\\certs\\w.pem', { homeDir: 'C:\\Users\\ann', scope: 'machine' }).map((c) => [c.store, c]));
    expect(machine.macos!.argv).toEqual(['security', 'add-trusted-cert', '-d', '-r', 'trustRoot', '-p', 'ssl', '-k', '/Library/Keychains/System.keychain', 'C:\\certs\\w.pem']);
    expect(machine.macos!.display.startsWith('sudo security')).toBe(true);
    expect(machine.windows!.display).toContain(`-CertStoreLocation 'Cert:\\LocalMachine\\Root'`);
    expect(machine.windows!.admin).toBe(true);
  });

  it('really records "C,," in an NSS database, and NSS then trusts the root for TLS servers only', async () => {
    const db = new NssDb(mkdtempSync(join(dir, 'home-')));
    const home = dirname(dirname(db.dir));
    const nss = trustCommands(rootFile, { homeDir: home, nickname: 'Witness Copilot Audit CA' }).find((c) => c.store === 'nss')!;
    execFileSync(nss.argv[0]!, nss.argv.slice(1), { stdio: 'pipe' });
    expect(db.trustOf('Witness Copilot Audit CA')).toBe('C,,');

    db.add('witness-issuing', issuing.certPem);
    const add = async (nick: string, opts: Parameters<typeof forge>[1]) => db.add(nick, (await forge(issuing, opts)).certPem);
    await add('tls-server', { subject: 'C=XX, CN=api.githubcopilot.com', sans: [{ type: 'dns', value: 'api.githubcopilot.com' }], eku: [EKU.serverAuth, EKU.clientAuth] });
    await add('smime', { subject: 'C=XX, CN=CEO', sans: [{ type: 'email', value: 'ceo@github.com' }], eku: [EKU.emailProtection] });
    await add('codesign', { subject: 'C=XX, O=Microsoft Corporation, CN=Microsoft Corporation', eku: [EKU.codeSigning] });
    await add('client', { subject: 'C=XX, CN=alice', eku: [EKU.clientAuth] });
    await add('github', { subject: 'C=XX, CN=github.com', sans: [{ type: 'dns', value: 'github.com' }], eku: [EKU.serverAuth] });

    // The control: NSS accepts a Copilot server leaf through the issuing CA to the C,, root.
    expect(db.verify('tls-server', 'V')).toMatchObject({ ok: true });
    expect(db.verify('tls-server', 'V').out).toMatch(/certificate is valid/);
    for (const [nick, usage, why] of [
      ['tls-server', 'C', /issuer has been marked as not trusted/], // the same leaf as a TLS client: the C,, trust
      ['client', 'C', /issuer has been marked as not trusted/],
      ['smime', 'S', /not permitted to issue a certificate with this name/],
      ['codesign', 'J', /Issuer certificate is invalid/], // object signing: the CA's EKU
      ['github', 'V', /not permitted to issue a certificate with this name/],
    ] as const) {
      const r = db.verify(nick, usage);
      expect(r.ok, `${nick} as ${usage}`).toBe(false);
      expect(r.out, `${nick} as ${usage}`).toMatch(why);
    }

    // What the trust setting is worth: installed for every purpose, NSS would take the
    // client-auth forgery (its classic verifier grants a serverAuth CA client certificates too).
    const lax = new NssDb(mkdtempSync(join(dir, 'lax-')));
    lax.add('witness-root', ca.active.certPem, 'CT,C,C');
    lax.add('witness-issuing', issuing.certPem);
    lax.add('client', (await forge(issuing, { subject: 'C=XX, CN=alice', eku: [EKU.clientAuth] })).certPem);
    expect(lax.verify('client', 'C')).toMatchObject({ ok: true });
  });
});
