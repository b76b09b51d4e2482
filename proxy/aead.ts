/** AES-256-GCM sealing: nonce(12) || ciphertext || tag(16), with associated data. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const POOL = 6144;
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * `n` fresh random bytes, drawn from a pool: one getrandom call per 6 KB instead of one per
 * use, and no native object per call for the GC to finalize (each randomBytes() makes one).
 * No byte is handed out twice, so callers may write into what they get.
 */
export function pooledRandomBytes(n: number): Buffer {
  if (n > POOL / 4) return randomBytes(n);
  if (poolAt + n > pool.length) {
    pool = randomBytes(POOL);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = pooledRandomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

/** Throws when the data was modified or the key is wrong. */
export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < 28) throw new Error('sealed data too short');
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = d.update(sealed.subarray(12, sealed.length - 16));
  const rest = d.final(); // GCM: empty; it is where authentication fails
  return rest.length ? Buffer.concat([out, rest]) : out;
}
