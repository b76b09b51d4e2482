/**
 * Signed chain-head checkpoints: {device, seq, hash, time} signed with this device's
 * Ed25519 key (identity/device-key.ts; the store only gets a signer). The central server
 * anchors these on sync, so deleting the newest records is detectable too.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { DeviceSigner } from '../identity/index.js';
import { canonicalJson } from '../model/index.js';

export interface Checkpoint {
  v: 1;
  device: string;
  seq: number;
  hash: string;
  time: string;
  publicKey: string;
  signature: string;
}

export function signCheckpoint(key: DeviceSigner, body: Omit<Checkpoint, 'signature' | 'publicKey' | 'v'>): Checkpoint {
  const unsigned = { v: 1 as const, ...body, publicKey: key.publicKey };
  const signature = key.sign(Buffer.from(canonicalJson(unsigned))).toString('base64');
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
