/**
 * This device's signing key (Ed25519): what signs the audit chain's checkpoints, so the
 * central server can tell this device's anchors from anyone else's. The audit store gets a
 * DeviceSigner and never handles the private key.
 *
 * Kept today as DATA_DIR/store/device-key.bin, sealed (AES-256-GCM) with the audit store's
 * data key: the file only opens together with the store. A damaged file is never written
 * over: it is moved aside, said so, and a new key is made (a reader only reports it).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeAtomic } from '../fs.js';
import { open, seal } from '../aead.js';

export interface DeviceSigner {
  /** SPKI DER, base64. */
  readonly publicKey: string;
  sign(data: Buffer): Buffer;
  /** For JWS over sync batches (jose takes a KeyObject); it never leaves the process. */
  readonly privateKey: KeyObject;
}

const AAD = Buffer.from('witness-device-key-v1');

function signer(priv: KeyObject): DeviceSigner {
  return {
    publicKey: createPublicKey(priv).export({ format: 'der', type: 'spki' }).toString('base64'),
    sign: (data) => sign(null, data, priv),
    privateKey: priv,
  };
}

/**
 * Opens the sealed device key at `file` (creating it when absent and `create`). When it
 * cannot be opened: `problem` says why, and, if `create`, the damaged file is kept aside
 * and a new key made; otherwise `signer` is null.
 */
export function openDeviceKey(file: string, sealKey: Buffer, create: boolean): { signer: DeviceSigner | null; problem: string | null } {
  if (!existsSync(file)) {
    if (!create) return { signer: null, problem: null };
    return { signer: makeKey(file, sealKey), problem: null };
  }
  try {
    const der = open(sealKey, readFileSync(file), AAD);
    return { signer: signer(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })), problem: null };
  } catch (e) {
    const why = `${file} is damaged or was modified (${(e as Error).message}): checkpoints signed with it cannot be checked`;
    if (!create) return { signer: null, problem: why };
    const aside = join(dirname(file), `device-key.damaged-${Date.now()}.bin`);
    renameSync(file, aside);
    return { signer: makeKey(file, sealKey), problem: `${why}; kept as ${aside}, a new device key was made` };
  }
}

function makeKey(file: string, sealKey: Buffer): DeviceSigner {
  const { privateKey } = generateKeyPairSync('ed25519');
  writeAtomic(file, seal(sealKey, privateKey.export({ format: 'der', type: 'pkcs8' }), AAD), 0o600);
  return signer(privateKey);
}
