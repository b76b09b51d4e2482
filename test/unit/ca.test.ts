import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa, permittedSubtrees, subtreesCover, type CaState, type KeyProtector } from '../../proxy/ca/index.js';
import { DEFAULT_INTERCEPT_HOSTS } from '../../proxy/config/index.js';
import { issueLeaf } from '../helpers/pki.js';

const DAY = 86400_000;
let dir: string;
let ca: CaState;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-ca-'));
  ca = await ensureCa({ caDir: join(dir, 'ca'), hosts: DEFAULT_INTERCEPT_HOSTS, validityDays: 730, renewBeforeDays: 30 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opensslVerify(leafPem: string, caPem: string, name?: string): { ok: boolean; out: string } {
  const caFile = join(dir, 'verify-ca.pem');
  const leafFile = join(dir, 'verify-leaf.pem');
  writeFileSync(caFile, caPem);
  writeFileSync(leafFile, leafPem);
  try {
    const out = execFileSync('openssl', ['verify', '-CAfile', caFile, ...(name ? ['-verify_hostname', name] : []), leafFile], { encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

async function nodeTlsHandshake(leaf: { certPem: string; keyPem: string }, caPem: string, servername: string): Promise<string> {
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: /^[\d.]+$/.test(servername) ? undefined : servername, ca: caPem, checkServerIdentity: () => undefined });
      s.once('secureConnect', () => (s.destroy(), resolve('ok')));
      s.once('error', (e) => resolve(`${(e as NodeJS.ErrnoException).code} ${e.message}`));
    });
  } finally {
    server.close();
  }
}

describe('the Witness CA', () => {
  it('is a critical name-constrained CA with pathlen 0 that excludes every IP address', () => {
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: ca.active.certPem, encoding: 'utf8' });
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Name Constraints: critical/);
    expect(text).toMatch(/Permitted:[\s\S]*DNS:githubcopilot\.com/);
    expect(text).toMatch(/Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0/);
    expect(ca.active.permittedSubtrees).toEqual([
      'copilot-proxy.githubusercontent.com',
      'copilot-telemetry.githubusercontent.com',
      'githubcopilot.com',
      'origin-tracker.githubusercontent.com',
    ]);
  });

  it('is valid for at most two years and keeps its key private (0600 in a 0700 folder)', () => {
    const lifetime = ca.active.notAfter.getTime() - ca.active.notBefore.getTime();
    expect(lifetime).toBeLessThanOrEqual(730 * DAY);
    expect(statSync(join(dir, 'ca', 'current.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca')).mode & 0o777).toBe(0o700);
  });

  it('signs leaves for Copilot hosts that verify', async () => {
    for (const name of ['api.githubcopilot.com', 'proxy.business.githubcopilot.com', 'copilot-proxy.githubusercontent.com']) {
      const leaf = await issueLeaf({ certPem: ca.active.certPem, keyPem: ca.active.keyPem }, [name]);
      expect(opensslVerify(leaf.certPem, ca.active.certPem, name)).toMatchObject({ ok: true });
      expect(await nodeTlsHandshake(leaf, ca.active.certPem, name)).toBe('ok');
    }
  });

  it('cannot vouch for github.com even with its own key: openssl and Node TLS reject the leaf', async () => {
    const leaf = await issueLeaf({ certPem: ca.active.certPem, keyPem: ca.active.keyPem }, ['github.com']);
    const r = opensslVerify(leaf.certPem, ca.active.certPem);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/permitted subtree violation/);
    expect(await nodeTlsHandshake(leaf, ca.active.certPem, 'github.com')).toMatch(/PERMITTED_SUBTREE|subtree/i);
  });

  it('cannot vouch for a look-alike name outside the subtrees', async () => {
    const leaf = await issueLeaf({ certPem: ca.active.certPem, keyPem: ca.active.keyPem }, ['evilgithubcopilot.com']);
    expect(opensslVerify(leaf.certPem, ca.active.certPem).out).toMatch(/permitted subtree violation/);
  });

  it('cannot vouch for any IP address, alone or next to a permitted name', async () => {
    for (const sans of [['10.1.2.3'], ['127.0.0.1'], ['api.githubcopilot.com', '192.168.0.10'], ['::1']]) {
      const leaf = await issueLeaf({ certPem: ca.active.certPem, keyPem: ca.active.keyPem }, sans);
      const r = opensslVerify(leaf.certPem, ca.active.certPem);
      expect(r.ok, sans.join(',')).toBe(false);
      expect(r.out).toMatch(/excluded subtree violation/);
    }
    const ipLeaf = await issueLeaf({ certPem: ca.active.certPem, keyPem: ca.active.keyPem }, ['127.0.0.1']);
    expect(await nodeTlsHandshake(ipLeaf, ca.active.certPem, '127.0.0.1')).toMatch(/EXCLUDED_VIOLATION|subtree/i);
  });

  it('is reused on the next start, not regenerated', async () => {
    const again = await ensureCa({ caDir: join(dir, 'ca'), hosts: DEFAULT_INTERCEPT_HOSTS, validityDays: 730, renewBeforeDays: 30 });
    expect(again.active.fingerprint256).toBe(ca.active.fingerprint256);
    expect(again.changes).toEqual([]);
  });
});

describe('CA rotation', () => {
  const hosts = DEFAULT_INTERCEPT_HOSTS;
  const t0 = new Date('2027-01-01T00:00:00Z').getTime();
  const at = (days: number) => () => new Date(t0 + days * DAY);

  it('creates the next CA 30 days before expiry, publishes both, then switches when the old one is about to expire', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-rot-')), 'ca');
    const first = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(0) });
    expect(first.changes).toEqual(['created']);
    expect(first.next).toBeNull();

    const quiet = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(650) });
    expect(quiet.changes).toEqual([]);

    const overlap = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(705) });
    expect(overlap.changes).toEqual(['next-created']);
    expect(overlap.active.fingerprint256).toBe(first.active.fingerprint256); // old one kept while the new one gets trusted
    expect(overlap.next).not.toBeNull();
    expect(overlap.bundlePem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    const switched = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, now: at(729.5) });
    expect(switched.changes).toEqual(['rotated']);
    expect(switched.active.fingerprint256).toBe(overlap.next!.fingerprint256);
    expect(switched.next).toBeNull();
    expect(existsSync(join(caDir, `retired-${first.active.serialNumber}.crt.pem`))).toBe(true);
  });

  it('replaces a CA whose constraints no longer cover the intercepted hosts', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-scope-')), 'ca');
    const a = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    const b = await ensureCa({ caDir, hosts: [...hosts, 'api.github.com'], validityDays: 730, renewBeforeDays: 30 });
    expect(b.changes).toEqual(['rescoped']);
    expect(b.active.fingerprint256).not.toBe(a.active.fingerprint256);
    expect(b.active.permittedSubtrees).toContain('api.github.com');
  });

  it('refuses to overwrite a damaged CA and says how to recover', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-dmg-')), 'ca');
    await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    const cert = readFileSync(join(caDir, 'current.crt.pem'), 'utf8');
    unlinkSync(join(caDir, 'current.key'));
    await expect(ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 })).rejects.toMatchObject({ code: 'CA_INVALID' });
    expect(readFileSync(join(caDir, 'current.crt.pem'), 'utf8')).toBe(cert);
  });

  it('unwraps the key through the configured protector and refuses a different one', async () => {
    const caDir = join(mkdtempSync(join(tmpdir(), 'witness-prot-')), 'ca');
    const xor: KeyProtector = {
      id: 'test-xor',
      protect: async (b) => Buffer.from(b.map((x) => x ^ 0x5a)),
      unprotect: async (b) => Buffer.from(b.map((x) => x ^ 0x5a)),
    };
    const a = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, protector: xor });
    expect(readFileSync(join(caDir, 'current.key'), 'utf8')).not.toContain('PRIVATE KEY');
    const b = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, protector: xor });
    expect(b.active.keyPem).toBe(a.active.keyPem);
    await expect(ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 })).rejects.toMatchObject({ code: 'CA_KEY_LOCKED' });
  });
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
