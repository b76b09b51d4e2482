/**
 * One data dir, two vaults: the real engine started headless (DATA_DIR/keys) and then with the
 * desktop app's safeStorage vault (faked: the real one needs Electron), and back. The CA key
 * and the audit store key follow the data dir: same CA, old records readable, the old copy of
 * each wrapping key gone, no private key in clear on disk. A vault that fails to write
 * changes nothing, and the engine says what to do.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeychainVault, vaultFiles, type SafeStorageLike, type VaultFs } from '../../electron/core/keychain-vault.js';
import { parseConfig } from '../../proxy/config/index.js';
import { Engine, type EngineOptions } from '../../proxy/engine.js';
import { FileKeyVault, vaultDir } from '../../proxy/keys/index.js';
import { createLogger } from '../../proxy/log.js';
import { interaction } from '../helpers/interactions.js';

/** safeStorage stand-in: AES-GCM under a key that lives as long as the "OS user". */
function fakeSafeStorage(): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptStringAsync: async (text) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptStringAsync: async (buf) => {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return { result: Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8'), shouldReEncrypt: false };
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'witness-vault-move-'));
  dirs.push(d);
  return d;
}

async function run<T>(dataDir: string, extra: Partial<EngineOptions>, body: (e: Engine) => Promise<T>): Promise<T> {
  const engine = new Engine({ dataDir, config: parseConfig({ proxy: { port: 0 } }), log: createLogger({ level: 'warn', write: () => {} }), ...extra });
  await engine.start();
  try {
    return await body(engine);
  } finally {
    await engine.stop();
  }
}

/** Every file under `root` with its SHA-256: "nothing changed" means this map is equal. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(root.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

function expectNoClearKey(root: string) {
  for (const file of Object.keys(snapshot(root))) {
    expect(readFileSync(join(root, file)).toString('latin1'), file).not.toMatch(/PRIVATE KEY/);
  }
}

/** A headless data dir with a CA and two records; returns the CA's fingerprint and the record ids. */
async function headlessDataDir(dataDir: string) {
  return run(dataDir, {}, async (e) => {
    const a = await e.auditStore.append(interaction({ prompt: 'first question before the move' }));
    const b = await e.auditStore.append(interaction({ prompt: 'second question before the move' }));
    return { fingerprint: e.caState.active.fingerprint256, ids: [a.id, b.id] };
  });
}

describe('a data dir moving between the headless and the desktop key vault', () => {
  it('headless → desktop: the keys move into the OS keychain vault; same CA, old records readable', async () => {
    const dataDir = freshDataDir();
    const before = await headlessDataDir(dataDir);
    const own = new FileKeyVault({ dir: vaultDir(dataDir) });
    expect(own.holds('ca.kek') && own.holds('audit.kek')).toBe(true);

    const keychainDir = join(dataDir, 'keychain');
    const keychain = new KeychainVault(keychainDir, fakeSafeStorage(), vaultFiles(keychainDir));
    await run(dataDir, { keyVault: keychain }, async (e) => {
      expect(e.caState.active.fingerprint256).toBe(before.fingerprint);
      expect(e.auditStore.verify()).toMatchObject({ ok: true, records: 2 });
      expect(e.auditStore.get(before.ids[0]!)?.prompt).toBe('first question before the move');
      await e.auditStore.append(interaction({ prompt: 'after the move' }));
    });
    // The old wrapping is gone, the new one is in the keychain vault.
    expect(own.holds('ca.kek') || own.holds('audit.kek')).toBe(false);
    expect(existsSync(join(keychainDir, 'ca.kek.keychain')) && existsSync(join(keychainDir, 'audit.kek.keychain'))).toBe(true);
    expect(statSync(join(keychainDir, 'ca.kek.keychain')).mode & 0o777).toBe(0o600);
    expectNoClearKey(dataDir);

    // Headless again without moving back: refused with what to do, and nothing is touched.
    const files = snapshot(dataDir);
    await expect(run(dataDir, {}, async () => undefined)).rejects.toMatchObject({ code: 'CA_KEY_LOCKED', message: expect.stringMatching(/OS keychain.*move them back/) });
    expect(snapshot(dataDir)).toEqual(files);
  });

  it('desktop → headless: the keys move out of the OS keychain vault into DATA_DIR/keys', async () => {
    const dataDir = freshDataDir();
    const keychainDir = join(dataDir, 'keychain');
    const keychain = new KeychainVault(keychainDir, fakeSafeStorage(), vaultFiles(keychainDir));
    const before = await run(dataDir, { keyVault: keychain }, async (e) => {
      const r = await e.auditStore.append(interaction({ prompt: 'asked in the desktop app' }));
      return { fingerprint: e.caState.active.fingerprint256, id: r.id };
    });
    expect(existsSync(join(vaultDir(dataDir), 'ca.kek.sealed'))).toBe(false);

    await run(dataDir, { keyVaultPrevious: keychain }, async (e) => {
      expect(e.caState.active.fingerprint256).toBe(before.fingerprint);
      expect(e.auditStore.get(before.id)?.prompt).toBe('asked in the desktop app');
    });
    expect(await keychain.get('ca.kek')).toBeNull();
    expect(await keychain.get('audit.kek')).toBeNull();
    // From now on plain headless works, with no desktop app at all.
    await run(dataDir, {}, async (e) => {
      expect(e.caState.active.fingerprint256).toBe(before.fingerprint);
      expect(e.auditStore.verify()).toMatchObject({ ok: true, records: 1 });
    });
    expectNoClearKey(dataDir);
  });

  it('a vault that fails to write changes nothing, says so, and the data dir still opens headless', async () => {
    const dataDir = freshDataDir();
    const before = await headlessDataDir(dataDir);
    const files = snapshot(dataDir);
    const keychainDir = join(dataDir, 'keychain');
    const real = vaultFiles(keychainDir);
    const full: VaultFs = { ...real, write: () => { throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }); } };
    const failing = new KeychainVault(keychainDir, fakeSafeStorage(), full);

    await expect(run(dataDir, { keyVault: failing }, async () => undefined)).rejects.toMatchObject({
      code: 'VAULT_CORRUPT',
      message: expect.stringMatching(/Could not move the key "ca\.kek" from the file key vault to the os-keychain key vault \(writing it: ENOSPC.*Nothing was changed/),
    });
    expect(snapshot(dataDir)).toEqual(files);

    await run(dataDir, {}, async (e) => {
      expect(e.caState.active.fingerprint256).toBe(before.fingerprint);
      expect(e.auditStore.verify()).toMatchObject({ ok: true, records: 2 });
    });
  });
});
