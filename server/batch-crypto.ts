/**
 * Opening a batch with node:crypto directly: the JWS (EdDSA) around the JWE (ECDH-ES+A256KW /
 * A256GCM, RFC 7518 §4.6) the sync client seals with `jose`. Why not `jose` here: a batch is
 * ~300 KB of base64url decoded twice, and jose's portable decoder (atob and a byte loop) was
 * the largest share of the server's CPU per record; Buffer's native base64url is ~10x faster.
 * Only the one algorithm pair the server accepts is implemented, strictly: any other header,
 * a short tag or IV, or a wrong key throws. The round trip against jose's sealing is tested.
 */
import { createDecipheriv, createHash, createPublicKey, diffieHellman, KeyObject, verify, type JsonWebKey } from 'node:crypto';

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64(part: string): Buffer {
  // Buffer skips characters that are not base64url; a compact part must have none.
  if (!B64URL.test(part)) throw new Error('not base64url');
  return Buffer.from(part, 'base64url');
}

function headerOf(part: string): Record<string, unknown> {
  const h = JSON.parse(b64(part).toString('utf8')) as unknown;
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw new Error('the protected header is not an object');
  if ('crit' in h || 'zip' in h || ('b64' in h && (h as { b64: unknown }).b64 !== true)) throw new Error('unsupported header parameter');
  return h as Record<string, unknown>;
}

/**
 * The payload of a compact JWS whose EdDSA signature verifies with `publicJwk`; throws otherwise.
 * Given the request's bytes, the signing input is verified in place (a view of the body): no
 * ~300 KB string is rebuilt and re-encoded for it.
 */
export function verifyEdDsaCompact(jws: string | Buffer, publicJwk: JsonWebKey): Buffer {
  // UTF-8, not latin1: a character over U+00FF must not fold onto an ASCII byte.
  const bytes = typeof jws === 'string' ? Buffer.from(jws, 'utf8') : jws;
  const first = bytes.indexOf(0x2e);
  const second = first < 0 ? -1 : bytes.indexOf(0x2e, first + 1);
  if (first < 0 || second < 0 || bytes.indexOf(0x2e, second + 1) >= 0) throw new Error('not a compact JWS');
  if (headerOf(bytes.toString('latin1', 0, first)).alg !== 'EdDSA') throw new Error('not an EdDSA JWS');
  const key = createPublicKey({ key: publicJwk, format: 'jwk' });
  // latin1 keeps any byte over 0x7f as a character the base64url check refuses (a compact JWS is ASCII).
  if (!verify(null, bytes.subarray(0, second), key, b64(bytes.toString('latin1', second + 1)))) throw new Error('signature does not verify');
  return b64(bytes.toString('latin1', first + 1, second));
}

const lengthPrefixed = (b: Buffer) => {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(b.length);
  return Buffer.concat([n, b]);
};

/** The plaintext of a compact JWE (ECDH-ES+A256KW, A256GCM) to `privateKey`; throws when it does not open. */
export function decryptEcdhEsA256kw(jwe: string, privateKey: KeyObject | Parameters<typeof KeyObject.from>[0]): Buffer {
  const parts = jwe.split('.');
  if (parts.length !== 5) throw new Error('not a compact JWE');
  const [protectedB64, ekB64, ivB64, ctB64, tagB64] = parts as [string, string, string, string, string];
  const h = headerOf(protectedB64);
  if (h.alg !== 'ECDH-ES+A256KW' || h.enc !== 'A256GCM') throw new Error('not ECDH-ES+A256KW / A256GCM');
  const priv = privateKey instanceof KeyObject ? privateKey : KeyObject.from(privateKey);
  const epk = h.epk as JsonWebKey | undefined;
  if (!epk || epk.kty !== 'EC' || epk.crv !== priv.asymmetricKeyDetails?.namedCurve?.replace('prime256v1', 'P-256')) throw new Error('the ephemeral key is not on the server key curve');
  const z = diffieHellman({ privateKey: priv, publicKey: createPublicKey({ key: { kty: epk.kty, crv: epk.crv, x: epk.x, y: epk.y }, format: 'jwk' }) });
  // Concat KDF (NIST SP 800-56A, RFC 7518 §4.6.2): one SHA-256 round gives the 256-bit key-wrapping key.
  const otherInfo = Buffer.concat([
    lengthPrefixed(Buffer.from('ECDH-ES+A256KW')),
    lengthPrefixed(typeof h.apu === 'string' ? b64(h.apu) : Buffer.alloc(0)),
    lengthPrefixed(typeof h.apv === 'string' ? b64(h.apv) : Buffer.alloc(0)),
    Buffer.from([0, 0, 1, 0]),
  ]);
  const kek = createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(otherInfo)
    .digest();
  const unwrap = createDecipheriv('id-aes256-wrap', kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
  const cek = Buffer.concat([unwrap.update(b64(ekB64)), unwrap.final()]);
  const iv = b64(ivB64);
  const tag = b64(tagB64);
  if (cek.length !== 32 || iv.length !== 12 || tag.length !== 16) throw new Error('wrong key, IV or tag length');
  const gcm = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
  gcm.setAAD(Buffer.from(protectedB64, 'ascii'));
  gcm.setAuthTag(tag);
  return Buffer.concat([gcm.update(b64(ctB64)), gcm.final()]);
}
