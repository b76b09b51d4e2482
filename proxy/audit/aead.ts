/** AES-256-GCM sealing: nonce(12) || ciphertext || tag(16), with associated data. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Random nonces drawn from a pool (one getrandom call per 512 seals instead of one each). */
let pool = Buffer.alloc(0);
let poolAt = 0;
function nonce12(): Buffer {
  if (poolAt + 12 > pool.length) {
    pool = randomBytes(12 * 512);
    poolAt = 0;
  }
  const n = pool.subarray(poolAt, poolAt + 12);
  poolAt += 12;
  return n;
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = nonce12();
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
