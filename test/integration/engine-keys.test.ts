/**
 * Issue 14 / issue 12: the engine, not the audit store, works out who and where. It takes
 * the device key and the masking key from its key vault (moving an earlier version's keys in
 * with their values: the device keeps its identity at the server and placeholders keep
 * matching old records), and hands the store {device, user, signer}. `status.identity`
 * tells "sign-in configured" and "sign-in required by policy" apart.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../proxy/aead.js';
import { AuditStore, vaultKeyProvider } from '../../proxy/audit/index.js';
import { loadDataKey } from '../../proxy/audit/keyring.js';
import { createControlClient } from '../../proxy/control/index.js';
import { DEVICE_KEY } from '../../proxy/identity/index.js';
import { FileKeyVault, MASKING_KEY, vaultDir } from '../../proxy/keys/index.js';
import { Masker } from '../../proxy/masking/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { interaction } from '../helpers/interactions.js';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

/** A data dir as a version before the vault left it: device key sealed under the store key, masking key in a plain file. */
async function legacyDataDir(dataDir: string) {
  const s = await AuditStore.open({ dataDir });
  await s.append(interaction());
  await s.close();
  const vault = new FileKeyVault({ dir: vaultDir(dataDir) });
  const der = Buffer.from((await vault.get(DEVICE_KEY))!);
  await vault.delete(DEVICE_KEY);
  const key = await loadDataKey(join(dataDir, 'store'), vaultKeyProvider(vault));
  writeFileSync(join(dataDir, 'store', 'device-key.bin'), seal(key, der, Buffer.from('witness-device-key-v1')), { mode: 0o600 });
  await vault.delete(MASKING_KEY);
  const maskingKey = randomBytes(32);
  writeFileSync(join(dataDir, 'masking.key'), maskingKey, { mode: 0o600 });
  return { publicKey: createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).toString('base64'), maskingKey };
}

describe('the engine hands the store who and where, with keys from its vault', () => {
  let t: TestEngine | undefined;
  afterAll(async () => {
    await t?.stop();
  });

  it('moves an earlier version\'s device and masking keys into the vault with their values, and the store signs with that device key', { timeout: 240_000 }, async () => {
    // A first engine makes the data dir (CA, store, vault); it is then turned into the earlier layout.
    const first = await startTestEngine(upstream);
    const dataDir = first.dataDir;
    await first.halt();
    const legacy = await legacyDataDir(dataDir);

    t = await startTestEngine(upstream, {}, {}, undefined, { dataDir });
    const vault = new FileKeyVault({ dir: vaultDir(dataDir) });
    expect(existsSync(join(dataDir, 'store', 'device-key.bin'))).toBe(false);
    expect(existsSync(join(dataDir, 'masking.key'))).toBe(false);
    expect(Buffer.from((await vault.get(MASKING_KEY))!)).toEqual(legacy.maskingKey);
    const der = Buffer.from((await vault.get(DEVICE_KEY))!);
    expect(createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).toString('base64')).toBe(legacy.publicKey);

    // The engine's masker uses the moved key: placeholders match those of earlier records.
    const secret = 'sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU';
    expect(t.engine.maskerInstance.mask(secret).text).toBe(new Masker({ key: legacy.maskingKey }).mask(secret).text);

    // The store got its signer from the engine: the signed checkpoint carries the moved key.
    expect(t.engine.auditStore.deviceSigningKey.publicKeySpki).toBe(legacy.publicKey);
    expect(t.engine.auditStore.device).toBe(JSON.parse(readFileSync(join(dataDir, 'device.json'), 'utf8')).id);
    expect(t.engine.auditStore.user).toBe(userInfo().username);
    await t.halt();
    expect(JSON.parse(readFileSync(join(dataDir, 'store', 'checkpoint.json'), 'utf8')).publicKey).toBe(legacy.publicKey);
    rmSync(dataDir, { recursive: true, force: true });
    t = undefined;
  });

  it('status.identity: configured and required are told apart', { timeout: 120_000 }, async () => {
    t = await startTestEngine(upstream);
    const api = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    expect((await api.call('status', {})).identity).toEqual({ signedIn: false, user: null, required: false, configured: false });
    await t.stop();
    // Required by policy, without sign-in configured: required, not configured (the tray warns).
    t = await startTestEngine(upstream, {}, {}, { identity: { requireSignIn: true } });
    const api2 = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    expect((await api2.call('status', {})).identity).toEqual({ signedIn: false, user: null, required: true, configured: false });
  });
});
