/**
 * The device key and the masking key live in the key vault (issue 12: one seam for every
 * secret at rest; issue 14: identity owns the device key, the store only gets a signer).
 * Keys an earlier version kept elsewhere (store/device-key.bin sealed under the store key,
 * a plain DATA_DIR/masking.key) move into the vault once, keeping their value; damage is
 * reported and never written over.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seal } from '../../proxy/aead.js';
import { AuditStore, legacyDeviceKey, vaultKeyProvider } from '../../proxy/audit/index.js';
import { loadDataKey } from '../../proxy/audit/keyring.js';
import { DEVICE_KEY, openDeviceSigner } from '../../proxy/identity/index.js';
import { FileKeyVault, MASKING_KEY, maskingKey, moveSecrets, vaultDir } from '../../proxy/keys/index.js';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function dataDir() {
  const d = mkdtempSync(join(tmpdir(), 'witness-keys-at-rest-'));
  dirs.push(d);
  return d;
}
const vaultOf = (d: string) => new FileKeyVault({ dir: vaultDir(d) });
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string; message: string }) => `${e.code}: ${e.message}`);

/** A data dir as a version before the vault left it: the device key sealed under the store key. */
async function legacyDataDir() {
  const d = dataDir();
  const s = await AuditStore.open({ dataDir: d });
  await s.append(interaction());
  await s.close();
  const vault = vaultOf(d);
  const der = Buffer.from((await vault.get(DEVICE_KEY))!);
  await vault.delete(DEVICE_KEY);
  const storeDir = join(d, 'store');
  const key = await loadDataKey(storeDir, vaultKeyProvider(vault));
  writeFileSync(join(storeDir, 'device-key.bin'), seal(key, der, Buffer.from('witness-device-key-v1')), { mode: 0o600 });
  const publicKey = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).toString('base64');
  return { d, vault, publicKey, legacyFile: join(storeDir, 'device-key.bin') };
}

describe('the device key in the key vault', () => {
  it('is made once, kept sealed in the vault (never in clear), and signs what verifies with its public key', async () => {
    const d = dataDir();
    const vault = vaultOf(d);
    const a = await openDeviceSigner(vault, { create: true });
    const b = await openDeviceSigner(vault, { create: true });
    expect(a.problem).toBeNull();
    expect(b.signer!.publicKey).toBe(a.signer!.publicKey);
    const msg = Buffer.from('checkpoint');
    expect(verify(null, msg, createPublicKey({ key: Buffer.from(a.signer!.publicKey, 'base64'), format: 'der', type: 'spki' }), a.signer!.sign(msg))).toBe(true);
    const der = a.signer!.privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealed = readFileSync(join(vaultDir(d), `${DEVICE_KEY}.sealed`));
    expect(sealed.includes(der.subarray(-32))).toBe(false);
    // A reader never makes one.
    expect(await openDeviceSigner(vaultOf(dataDir()), { create: false })).toEqual({ signer: null, problem: null });
  });

  it('a key from store/device-key.bin moves into the vault with its value (engine), and is read where it is by a reader', async () => {
    const { d, vault, publicKey, legacyFile } = await legacyDataDir();
    const reader = await openDeviceSigner(vault, { create: false, legacy: legacyDeviceKey(d, vaultKeyProvider(vault)) });
    expect(reader).toMatchObject({ problem: null, signer: { publicKey } });
    expect(existsSync(legacyFile)).toBe(true);
    expect(await vault.get(DEVICE_KEY)).toBeNull();

    const engine = await openDeviceSigner(vault, { create: true, legacy: legacyDeviceKey(d, vaultKeyProvider(vault)) });
    expect(engine).toMatchObject({ problem: null, signer: { publicKey } });
    expect(existsSync(legacyFile)).toBe(false);
    expect(legacyDeviceKey(d, vaultKeyProvider(vault))).toBeNull();
    expect((await openDeviceSigner(vault, { create: false })).signer!.publicKey).toBe(publicKey);
    // The store's own opening follows the same way: its checkpoint is signed by the same key.
    const s = await AuditStore.open({ dataDir: d });
    await s.close();
    expect(JSON.parse(readFileSync(join(d, 'store', 'checkpoint.json'), 'utf8')).publicKey).toBe(publicKey);
  });

  it('a damaged key in the vault: a reader reports it; the engine keeps it aside under another name and makes a new one', async () => {
    const d = dataDir();
    const vault = vaultOf(d);
    const first = (await openDeviceSigner(vault, { create: true })).signer!;
    const file = join(vaultDir(d), `${DEVICE_KEY}.sealed`);
    const b = readFileSync(file);
    b[b.length - 5]! ^= 1;
    writeFileSync(file, b);
    const reader = await openDeviceSigner(vault, { create: false });
    expect(reader.signer).toBeNull();
    expect(reader.problem).toMatch(/device key \("device\.key"\) in the file key vault is damaged or was modified/);
    expect(readFileSync(file).equals(b)).toBe(true);

    const engine = await openDeviceSigner(vault, { create: true });
    expect(engine.problem).toMatch(/kept in the key vault as "device\.key\.damaged-\d+", a new device key was made/);
    expect(engine.signer!.publicKey).not.toBe(first.publicKey);
    const aside = readdirSync(vaultDir(d)).filter((f) => f.startsWith('device.key.damaged-'));
    expect(aside.length).toBe(1);
    expect(readFileSync(join(vaultDir(d), aside[0]!)).equals(b)).toBe(true);
  });

  it('a key that is not Ed25519 is refused by name, and kept aside by the engine', async () => {
    const d = dataDir();
    const vault = vaultOf(d);
    const rsa = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    await vault.set(DEVICE_KEY, rsa);
    expect((await openDeviceSigner(vault, { create: false })).problem).toMatch(/not a usable Ed25519 key \(a ec key, not Ed25519\)/);
    const engine = await openDeviceSigner(vault, { create: true });
    expect(engine.problem).toMatch(/kept in the key vault as "device\.key\.damaged-/);
    expect(engine.signer!.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('moves with the data dir between vaults like the other secrets', async () => {
    const d = dataDir();
    const from = vaultOf(d);
    const { publicKey } = (await openDeviceSigner(from, { create: true })).signer!;
    const to = new FileKeyVault({ dir: join(dataDir(), 'other-vault') });
    expect(await moveSecrets(from, to, [DEVICE_KEY, MASKING_KEY])).toEqual([DEVICE_KEY]);
    expect((await openDeviceSigner(to, { create: false })).signer!.publicKey).toBe(publicKey);
    expect(await from.get(DEVICE_KEY)).toBeNull();
  });
});

describe('the masking key in the key vault', () => {
  it('is made once by the engine and never by a reader', async () => {
    const d = dataDir();
    expect(await maskingKey(vaultOf(d), d, { create: false })).toBeNull();
    expect(existsSync(vaultDir(d))).toBe(false);
    const k = await maskingKey(vaultOf(d), d, { create: true });
    expect(k!.length).toBe(32);
    expect(await maskingKey(vaultOf(d), d, { create: false })).toEqual(k);
    expect(readFileSync(join(vaultDir(d), `${MASKING_KEY}.sealed`)).includes(k!)).toBe(false);
    expect(existsSync(join(d, 'masking.key'))).toBe(false);
  });

  it('an earlier DATA_DIR/masking.key moves into the vault with its value; the plain file is removed only then', async () => {
    const d = dataDir();
    const old = randomBytes(32);
    writeFileSync(join(d, 'masking.key'), old, { mode: 0o600 });
    expect(await maskingKey(vaultOf(d), d, { create: false })).toEqual(old);
    expect(existsSync(join(d, 'masking.key'))).toBe(true);
    expect(await maskingKey(vaultOf(d), d, { create: true })).toEqual(old);
    expect(existsSync(join(d, 'masking.key'))).toBe(false);
    expect(Buffer.from((await vaultOf(d).get(MASKING_KEY))!)).toEqual(old);
  });

  it('damage is refused as MASKING_KEY_INVALID and nothing is replaced: a short file, a damaged vault entry, two different keys', async () => {
    const d = dataDir();
    writeFileSync(join(d, 'masking.key'), Buffer.alloc(31, 7));
    expect(await codeOf(maskingKey(vaultOf(d), d, { create: true }))).toMatch(/^MASKING_KEY_INVALID: The masking key .*masking\.key is damaged \(31 bytes, expected 32\)/);
    expect(readFileSync(join(d, 'masking.key'))).toEqual(Buffer.alloc(31, 7));
    expect(await vaultOf(d).get(MASKING_KEY)).toBeNull();

    const e = dataDir();
    await maskingKey(vaultOf(e), e, { create: true });
    const file = join(vaultDir(e), `${MASKING_KEY}.sealed`);
    const b = readFileSync(file);
    b[b.length - 1]! ^= 1;
    writeFileSync(file, b);
    expect(await codeOf(maskingKey(vaultOf(e), e, { create: true }))).toMatch(/^MASKING_KEY_INVALID: The masking key "masking\.key" in the file key vault is damaged \(it does not open\)/);
    expect(readFileSync(file).equals(b)).toBe(true);

    const f = dataDir();
    await maskingKey(vaultOf(f), f, { create: true });
    writeFileSync(join(f, 'masking.key'), randomBytes(32));
    expect(await codeOf(maskingKey(vaultOf(f), f, { create: true }))).toMatch(/^MASKING_KEY_INVALID: Two different masking keys/);
    expect(existsSync(join(f, 'masking.key'))).toBe(true);
  });
});
