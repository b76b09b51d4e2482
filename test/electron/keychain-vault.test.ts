/**
 * The desktop key vault over safeStorage (faked: the real one needs Electron): secrets
 * round-trip sealed, never in clear on disk, bound to their names, re-sealed when the OS
 * rotates its key; and the fallback to the headless vault where OS encryption is fake.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDesktopVault, KeychainVault, type SafeStorageLike, type VaultFs } from '../../electron/core/keychain-vault.js';

/** safeStorage stand-in: AES-GCM under a per-test key; `rotate()` makes the next decrypt ask for re-encryption. */
function fakeSafeStorage(backend = 'gnome_libsecret', available = true) {
  const key = randomBytes(32);
  let rotated = false;
  const s: SafeStorageLike & { rotate(): void; encrypts: number } = {
    encrypts: 0,
    rotate: () => (rotated = true),
    isAsyncEncryptionAvailable: async () => available,
    getSelectedStorageBackend: () => backend,
    encryptStringAsync: async (text) => {
      s.encrypts++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptStringAsync: async (buf) => {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      const result = Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
      const shouldReEncrypt = rotated;
      rotated = false;
      return { result, shouldReEncrypt };
    },
  };
  return s;
}

const realFs: VaultFs = {
  read: (f) => (existsSync(f) ? readFileSync(f) : null),
  write: (f, data, mode) => {
    writeFileSync(`${f}.tmp`, data, { mode });
    renameSync(`${f}.tmp`, f);
  },
  remove: (f) => {
    if (!existsSync(f)) return false;
    rmSync(f);
    return true;
  },
};

describe('desktop key vault (safeStorage)', () => {
  it('keeps secrets sealed on disk (0600) and gives them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-vault-'));
    const vault = new KeychainVault(dir, fakeSafeStorage(), realFs);
    const secret = new Uint8Array(randomBytes(32));
    expect(await vault.get('audit.data-key')).toBeNull();
    await vault.set('audit.data-key', secret);
    expect(await vault.get('audit.data-key')).toEqual(secret);
    const file = join(dir, 'audit.data-key.keychain');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const onDisk = readFileSync(file);
    expect(onDisk.includes(Buffer.from(secret))).toBe(false);
    expect(onDisk.includes(Buffer.from(Buffer.from(secret).toString('base64')))).toBe(false);
    expect(await vault.delete('audit.data-key')).toBe(true);
    expect(await vault.delete('audit.data-key')).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a sealed file moved to another secret\'s name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-vault-'));
    const vault = new KeychainVault(dir, fakeSafeStorage(), realFs);
    await vault.set('ca.key', new Uint8Array([1, 2, 3]));
    renameSync(join(dir, 'ca.key.keychain'), join(dir, 'identity.session.keychain'));
    await expect(vault.get('identity.session')).rejects.toMatchObject({ code: 'VAULT_CORRUPT', message: expect.stringContaining('holds another secret') });
  });

  it('reports a file another user\'s keychain sealed as damaged, saying what to remove', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-vault-'));
    await new KeychainVault(dir, fakeSafeStorage(), realFs).set('identity.session', new Uint8Array([9]));
    await expect(new KeychainVault(dir, fakeSafeStorage(), realFs).get('identity.session')).rejects.toMatchObject({ code: 'VAULT_CORRUPT', message: expect.stringContaining('sign in again') });
  });

  it('seals again under the new OS key when safeStorage asks for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-vault-'));
    const ss = fakeSafeStorage();
    const vault = new KeychainVault(dir, ss, realFs);
    await vault.set('masking.key', new Uint8Array([7, 7]));
    const before = readFileSync(join(dir, 'masking.key.keychain'));
    ss.rotate();
    expect(await vault.get('masking.key')).toEqual(new Uint8Array([7, 7]));
    expect(ss.encrypts).toBe(2);
    expect(readFileSync(join(dir, 'masking.key.keychain')).equals(before)).toBe(false);
  });

  it('checks names and sizes like the engine\'s vault', async () => {
    const vault = new KeychainVault(mkdtempSync(join(tmpdir(), 'witness-vault-')), fakeSafeStorage(), realFs);
    await expect(vault.get('../etc/passwd')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(vault.set('Upper', new Uint8Array(1))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(vault.set('big', new Uint8Array(1024 * 1024 + 1))).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('uses the OS keychain where it is real, and falls back with a warning on Linux\'s basic_text backend', async () => {
    expect(await chooseDesktopVault(fakeSafeStorage('gnome_libsecret'), 'linux')).toEqual({ mode: 'os-keychain', backend: 'gnome_libsecret' });
    expect(await chooseDesktopVault(fakeSafeStorage('kwallet6'), 'linux')).toEqual({ mode: 'os-keychain', backend: 'kwallet6' });
    expect(await chooseDesktopVault(fakeSafeStorage(), 'darwin')).toEqual({ mode: 'os-keychain', backend: 'keychain' });
    expect(await chooseDesktopVault(fakeSafeStorage(), 'win32')).toEqual({ mode: 'os-keychain', backend: 'dpapi' });
    const basic = await chooseDesktopVault(fakeSafeStorage('basic_text'), 'linux');
    expect(basic).toMatchObject({ mode: 'headless', warning: expect.stringContaining('fixed key') });
    expect(await chooseDesktopVault(fakeSafeStorage('gnome_libsecret', false), 'linux')).toMatchObject({ mode: 'headless' });
  });
});
