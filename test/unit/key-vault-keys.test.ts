/**
 * The CA key and the audit store key through the headless key vault: a data dir from before
 * the vault (plain CA key file, store/kek.key or a passphrase keyring) is re-sealed in place;
 * moving secrets between two vaults copies, checks and only then deletes the old copy.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore, passphraseKeyProvider, type KeyProvider } from '../../proxy/audit/index.js';
import { ensureCa, fileModeProtector } from '../../proxy/ca/index.js';
import { FileKeyVault, keyFileSource, moveSecrets, passphraseSource, vaultDir, type KeyVault } from '../../proxy/keys/index.js';
import { interaction } from '../helpers/interactions.js';

const hosts = ['api.githubcopilot.com'];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'witness-keys-'));
  dirs.push(d);
  return d;
}

/** The audit keyring as Witness wrote it before the vault: key-encryption key in store/kek.key. */
function preVaultFileProvider(dataDir: string): KeyProvider {
  return {
    kind: 'file',
    kek: () => {
      const file = join(dataDir, 'store', 'kek.key');
      if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600 });
      return readFileSync(file);
    },
  };
}

const keyring = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'store', 'keyring.json'), 'utf8')) as { provider: string };

describe('a data dir from before the key vault', () => {
  it('has its plain CA key sealed under ca.kek in place; the same CA signs on', async () => {
    const dataDir = fresh();
    const caDir = join(dataDir, 'ca');
    const old = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30, protector: fileModeProtector });
    expect(readFileSync(join(caDir, 'current.issuing.key'), 'utf8')).toContain('PRIVATE KEY');

    const now = await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 });
    expect(now.active.fingerprint256).toBe(old.active.fingerprint256);
    expect(now.active.issuing.keyPem).toBe(old.active.issuing.keyPem);
    const onDisk = readFileSync(join(caDir, 'current.issuing.key'));
    expect(onDisk.toString('latin1')).toMatch(/^witness-key v1 protector=vault\n/);
    expect(onDisk.toString('latin1')).not.toContain('PRIVATE KEY');
    expect(new FileKeyVault({ dir: vaultDir(dataDir) }).holds('ca.kek')).toBe(true);
    // And again: read through the vault now.
    expect((await ensureCa({ caDir, hosts, validityDays: 730, renewBeforeDays: 30 })).active.issuing.keyPem).toBe(old.active.issuing.keyPem);
  });

  it('has its key-file keyring re-wrapped under audit.kek, kek.key removed after; a read-only open rewrites nothing', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir, keyProvider: preVaultFileProvider(dataDir) });
    const r = await s.append(interaction({ prompt: 'from before the vault' }));
    await s.close();
    expect(keyring(dataDir).provider).toBe('file');

    const ro = await AuditStore.open({ dataDir, readOnly: true });
    expect(ro.get(r.id)?.prompt).toBe('from before the vault');
    await ro.close();
    expect(keyring(dataDir).provider).toBe('file');
    expect(existsSync(join(dataDir, 'store', 'kek.key'))).toBe(true);

    const rw = await AuditStore.open({ dataDir });
    expect(rw.get(r.id)?.prompt).toBe('from before the vault');
    await rw.close();
    expect(keyring(dataDir).provider).toBe('vault');
    expect(existsSync(join(dataDir, 'store', 'kek.key'))).toBe(false);
    expect(new FileKeyVault({ dir: vaultDir(dataDir) }).holds('audit.kek')).toBe(true);
    const again = await AuditStore.open({ dataDir });
    expect(again.verify()).toMatchObject({ ok: true, records: 1 });
    await again.close();
  });

  it('has its passphrase keyring re-wrapped under a passphrase vault, and the wrong passphrase changes nothing', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir, keyProvider: passphraseKeyProvider('correct horse') });
    await s.append(interaction());
    await s.close();
    const before = readFileSync(join(dataDir, 'store', 'keyring.json'));
    const saved = process.env.WITNESS_STORE_PASSPHRASE;
    try {
      process.env.WITNESS_STORE_PASSPHRASE = 'wrong horse';
      await expect(AuditStore.open({ dataDir })).rejects.toMatchObject({ code: 'STORE_KEY_WRONG' });
      expect(readFileSync(join(dataDir, 'store', 'keyring.json')).equals(before)).toBe(true);
      expect(readdirSync(dataDir)).not.toContain('keys');
      process.env.WITNESS_STORE_PASSPHRASE = 'correct horse';
      const ok = await AuditStore.open({ dataDir });
      expect(ok.verify().records).toBe(1);
      await ok.close();
      expect(keyring(dataDir).provider).toBe('vault');
      expect(JSON.parse(readFileSync(join(vaultDir(dataDir), 'vault.json'), 'utf8')).kind).toBe('passphrase');
    } finally {
      if (saved === undefined) delete process.env.WITNESS_STORE_PASSPHRASE;
      else process.env.WITNESS_STORE_PASSPHRASE = saved;
    }
  });
});

describe('moving secrets between vaults', () => {
  const kek = new Uint8Array(randomBytes(32));

  it('copies, reads back, then deletes the old copy', async () => {
    const from = new FileKeyVault({ dir: fresh(), kek: passphraseSource('old') });
    const to = new FileKeyVault({ dir: fresh(), kek: keyFileSource(fresh()) });
    await from.set('ca.kek', kek);
    expect(await moveSecrets(from, to, ['ca.kek', 'audit.kek'])).toEqual(['ca.kek']);
    expect(Buffer.from((await to.get('ca.kek'))!)).toEqual(Buffer.from(kek));
    expect(await from.get('ca.kek')).toBeNull();
  });

  it('keeps the old copy when the new vault fails or does not keep the value', async () => {
    const from = new FileKeyVault({ dir: fresh(), kek: keyFileSource(fresh()) });
    await from.set('ca.kek', kek);
    const inner = new FileKeyVault({ dir: fresh(), kek: keyFileSource(fresh()) });
    const lossy: KeyVault = { kind: 'lossy', get: (n) => inner.get(n), delete: (n) => inner.delete(n), set: (n, v) => inner.set(n, v.map((b) => b ^ 1)) };
    await expect(moveSecrets(from, lossy, ['ca.kek'])).rejects.toMatchObject({ code: 'VAULT_CORRUPT', message: expect.stringMatching(/read back differs.*Nothing was changed/) });
    expect(Buffer.from((await from.get('ca.kek'))!)).toEqual(Buffer.from(kek));
    expect(await inner.get('ca.kek')).toBeNull();
  });

  it('finishes a move that stopped after the copy, and refuses two different wrapping keys', async () => {
    const from = new FileKeyVault({ dir: fresh(), kek: keyFileSource(fresh()) });
    const to = new FileKeyVault({ dir: fresh(), kek: keyFileSource(fresh()) });
    await from.set('ca.kek', kek);
    await to.set('ca.kek', kek);
    expect(await moveSecrets(from, to, ['ca.kek'])).toEqual([]);
    expect(await from.get('ca.kek')).toBeNull();

    await from.set('audit.kek', new Uint8Array(randomBytes(32)));
    await to.set('audit.kek', new Uint8Array(randomBytes(32)));
    await expect(moveSecrets(from, to, ['audit.kek'])).rejects.toMatchObject({ code: 'VAULT_LOCKED', message: expect.stringMatching(/in both .* different values\. Nothing was changed/) });
    expect(await from.get('audit.kek')).not.toBeNull();
  });
});
