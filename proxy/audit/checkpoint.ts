/**
 * Signed chain-head checkpoints: {device, seq, hash, time} signed with this device's
 * Ed25519 key (its private half stored sealed with the store's data key). The central
 * server anchors these on sync, so deleting the newest records is detectable too.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs.js';
import { canonicalJson } from '../model/index.js';
import { open, seal } from './aead.js';

export interface Checkpoint {
  v: 1;
  device: string;
  seq: number;
  hash: string;
  time: string;
  publicKey: string;
  signature: string;
}

const AAD = Buffer.from('witness-device-key-v1');

export function loadDeviceKey(storeDir: string, dataKey: Buffer) {
  const file = join(storeDir, 'device-key.bin');
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeAtomic(file, seal(dataKey, privateKey.export({ format: 'der', type: 'pkcs8' }), AAD), 0o600);
  }
  const der = open(dataKey, readFileSync(file), AAD);
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv).export({ format: 'der', type: 'spki' }).toString('base64');
  return { priv, pub };
}

export function signCheckpoint(key: ReturnType<typeof loadDeviceKey>, body: Omit<Checkpoint, 'signature' | 'publicKey' | 'v'>): Checkpoint {
  const unsigned = { v: 1 as const, ...body, publicKey: key.pub };
  const signature = sign(null, Buffer.from(canonicalJson(unsigned)), key.priv).toString('base64');
  return { ...unsigned, signature };
}

export function checkpointValid(c: Checkpoint): boolean {
  const { signature, ...unsigned } = c;
  try {
    const pub = createPublicKey({ key: Buffer.from(c.publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(canonicalJson(unsigned)), pub, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
