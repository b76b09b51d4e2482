/**
 * This device's signing key (Ed25519): what signs the audit chain's checkpoints and the sync
 * batches, so the central server can tell this device's anchors from anyone else's. The audit
 * store gets a DeviceSigner and never handles the key's storage.
 *
 * Kept in the key vault as `device.key` (PKCS#8 DER), like every other secret at rest: the
 * headless vault in DATA_DIR/keys, the OS keychain in the desktop app. Earlier versions kept
 * it as DATA_DIR/store/device-key.bin sealed with the audit store's data key; such a key is
 * moved into the vault at the next start (copied, read back, and only then removed), so the
 * device keeps its identity at the server.
 *
 * A damaged key is never written over: it is kept aside (under another name, or as a file),
 * said so, and a new key is made; a reader only reports it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { isWitnessError, WitnessError } from '../errors.js';
import type { KeyVault } from '../keys/index.js';

export interface DeviceSigner {
  /** SPKI DER, base64. */
  readonly publicKey: string;
  sign(data: Buffer): Buffer;
  /** For JWS over sync batches (jose takes a KeyObject); it never leaves the process. */
  readonly privateKey: KeyObject;
}

/** The device key's name in the key vault. */
export const DEVICE_KEY = 'device.key';

/** A device key kept the way an earlier version did (audit/: store/device-key.bin). */
export interface LegacyDeviceKey {
  /** Where it is, for messages. */
  readonly where: string;
  /** The PKCS#8 DER; throws when the file is damaged. */
  read(): Promise<Uint8Array>;
  /** Removes it once the vault holds the key. */
  remove(): void;
  /** Keeps a damaged file aside; answers where. */
  setAside(): string;
}

export interface DeviceKeyOpened {
  /** Null only for a reader (`create` false) that found no key or a damaged one. */
  signer: DeviceSigner | null;
  /** Why the key could not be used, when it could not (a new one was made when `create`). */
  problem: string | null;
}

function signerOf(priv: KeyObject): DeviceSigner {
  if (priv.asymmetricKeyType !== 'ed25519') throw new Error(`a ${priv.asymmetricKeyType} key, not Ed25519`);
  return {
    publicKey: createPublicKey(priv).export({ format: 'der', type: 'spki' }).toString('base64'),
    sign: (data) => sign(null, data, priv),
    privateKey: priv,
  };
}

const parse = (der: Uint8Array) => signerOf(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }));

/**
 * The device key from `vault` (creating it when absent and `create`; moving a legacy key in
 * first). A locked vault is an error (nothing can be opened then); a damaged key is a
 * `problem`, with a new key when `create`.
 */
export async function openDeviceSigner(vault: KeyVault, opts: { create: boolean; legacy?: LegacyDeviceKey | null }): Promise<DeviceKeyOpened> {
  let stored: Uint8Array | null;
  try {
    stored = await vault.get(DEVICE_KEY);
  } catch (e) {
    if (!isWitnessError(e) || e.code !== 'VAULT_CORRUPT') throw e;
    const why = `the device key ("${DEVICE_KEY}") in the ${vault.kind} key vault is damaged or was modified (${e.message}): checkpoints signed with it cannot be checked`;
    if (!opts.create) return { signer: null, problem: why };
    const aside = await setAside(vault, null);
    return { signer: await makeKey(vault), problem: `${why}; ${aside}, a new device key was made` };
  }
  if (stored !== null) {
    try {
      return { signer: parse(stored), problem: null };
    } catch (e) {
      const why = `the device key ("${DEVICE_KEY}") in the ${vault.kind} key vault is not a usable Ed25519 key (${(e as Error).message}): checkpoints signed with it cannot be checked`;
      if (!opts.create) return { signer: null, problem: why };
      const aside = await setAside(vault, stored);
      return { signer: await makeKey(vault), problem: `${why}; ${aside}, a new device key was made` };
    }
  }
  if (opts.legacy) return fromLegacy(vault, opts.legacy, opts.create);
  if (!opts.create) return { signer: null, problem: null };
  return { signer: await makeKey(vault), problem: null };
}

async function fromLegacy(vault: KeyVault, legacy: LegacyDeviceKey, create: boolean): Promise<DeviceKeyOpened> {
  let der: Uint8Array;
  let signer: DeviceSigner;
  try {
    der = await legacy.read();
    signer = parse(der);
  } catch (e) {
    const why = `${legacy.where} is damaged or was modified (${(e as Error).message}): checkpoints signed with it cannot be checked`;
    if (!create) return { signer: null, problem: why };
    return { signer: await makeKey(vault), problem: `${why}; kept as ${legacy.setAside()}, a new device key was made` };
  }
  if (!create) return { signer, problem: null }; // a reader uses it where it is
  await store(vault, der);
  legacy.remove();
  return { signer, problem: null };
}

async function makeKey(vault: KeyVault): Promise<DeviceSigner> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  await store(vault, der);
  return signerOf(privateKey);
}

/** Stores the key and reads it back: only what the vault returns is known to be kept. */
async function store(vault: KeyVault, der: Uint8Array): Promise<void> {
  await vault.set(DEVICE_KEY, der);
  const back = await vault.get(DEVICE_KEY);
  if (back === null || back.byteLength !== der.byteLength || !timingSafeEqual(back, der)) {
    throw new WitnessError('VAULT_CORRUPT', `The ${vault.kind} key vault did not keep the device key ("${DEVICE_KEY}"): check the vault and start again.`);
  }
}

/** Keeps a damaged key under another name, so a new one never writes over the evidence. */
async function setAside(vault: KeyVault, bytes: Uint8Array | null): Promise<string> {
  const name = `${DEVICE_KEY}.damaged-${Date.now()}`;
  if (bytes !== null) {
    await vault.set(name, bytes);
    return `kept in the key vault as "${name}"`;
  }
  if (vault.rename) {
    await vault.rename(DEVICE_KEY, name);
    return `kept in the key vault as "${name}"`;
  }
  return 'the damaged key could not be kept (this vault cannot rename a secret it cannot read)';
}
