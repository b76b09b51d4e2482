/**
 * The sync wire format, device side: a batch is encrypted to the server's pinned encryption
 * key (JWE compact, ECDH-ES+A256KW / A256GCM), then signed with the device key (JWS compact,
 * EdDSA, kid = device id, jkt = the key's thumbprint so the server can tell a wrong key from a
 * modified batch). A middlebox that sees the bytes sees neither a prompt nor a record. Receipts
 * are checked against the server's pinned signing key.
 */
import { createCipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import { BATCH_TYP, RECEIPT_TYP, ReceiptPayloadSchema, type BatchPayload, type ReceiptPayload } from '../model/index.js';

export { BATCH_TYP, RECEIPT_TYP };

export interface PinnedKeys {
  encryption: JWK;
  signing: JWK;
}

/** The server's keys from a JWKS (the output of `witness-server keys --json`). */
export function pinnedKeys(jwks: unknown): PinnedKeys {
  const keys = (jwks as { keys?: JWK[] } | null)?.keys;
  const encryption = keys?.find((k) => k.use === 'enc' && k.alg === 'ECDH-ES+A256KW');
  const signing = keys?.find((k) => k.use === 'sig' && k.alg === 'EdDSA');
  if (!encryption || !signing) throw new Error('not the JWKS of a Witness server: it needs one "enc" ECDH-ES+A256KW key and one "sig" EdDSA key (witness-server keys --json)');
  return { encryption, signing };
}

export function publicJwkOf(privateKey: KeyObject): JWK {
  const { kty, crv, x } = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return { kty, crv, x };
}

/**
 * Sealed with node:crypto rather than jose: a batch is ~300 KB base64url-encoded twice, and
 * jose's portable encoder (a byte loop and btoa) was the largest share of the engine's sync
 * CPU; Buffer's native base64url does the same in a fraction. The output is standard compact
 * JWE / JWS (jose opens it: the unit test checks), with a fresh ephemeral key, CEK and IV per
 * batch.
 */
export async function sealBatch(payload: BatchPayload, device: { privateKey: KeyObject; publicJwk: JWK }, server: PinnedKeys): Promise<string> {
  const jwe = encryptEcdhEsA256kw(Buffer.from(JSON.stringify(payload), 'utf8'), server.encryption);
  const header = b64u(JSON.stringify({ alg: 'EdDSA', typ: BATCH_TYP, kid: payload.device, jkt: await calculateJwkThumbprint(device.publicJwk) }));
  const input = `${header}.${Buffer.from(jwe, 'ascii').toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input, 'ascii'), device.privateKey).toString('base64url')}`;
}

const b64u = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const lengthPrefixed = (b: Buffer) => Buffer.concat([Buffer.from([b.length >>> 24, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);

/** Compact JWE, ECDH-ES+A256KW / A256GCM (RFC 7518 §4.6, §5.3) to the pinned P-256 key, no apu/apv. */
function encryptEcdhEsA256kw(plain: Buffer, to: JWK): string {
  if (to.kty !== 'EC' || to.crv !== 'P-256') throw new Error('the pinned encryption key is not a P-256 EC key');
  const serverKey = createPublicKey({ key: { kty: to.kty, crv: to.crv, x: to.x, y: to.y } as JsonWebKey, format: 'jwk' });
  const eph = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = eph.publicKey.export({ format: 'jwk' });
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: serverKey });
  // Concat KDF (NIST SP 800-56A): one SHA-256 round gives the 256-bit key-wrapping key.
  const otherInfo = Buffer.concat([lengthPrefixed(Buffer.from('ECDH-ES+A256KW')), lengthPrefixed(Buffer.alloc(0)), lengthPrefixed(Buffer.alloc(0)), Buffer.from([0, 0, 1, 0])]);
  const kek = createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(otherInfo)
    .digest();
  const cek = randomBytes(32);
  const wrap = createCipheriv('id-aes256-wrap', kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
  const ek = Buffer.concat([wrap.update(cek), wrap.final()]);
  const protectedB64 = b64u(JSON.stringify({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: to.kid, epk: { kty, crv, x, y } }));
  const iv = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
  gcm.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ct = Buffer.concat([gcm.update(plain), gcm.final()]);
  return `${protectedB64}.${ek.toString('base64url')}.${iv.toString('base64url')}.${ct.toString('base64url')}.${gcm.getAuthTag().toString('base64url')}`;
}

/** A small request signed with the device key (kid = device id, jkt = its thumbprint), as check-ins and review requests are. */
export async function signAsDevice(payload: { device: string }, typ: string, privateKey: KeyObject): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', typ, kid: payload.device, jkt: await calculateJwkThumbprint(publicJwkOf(privateKey)) })
    .sign(privateKey);
}

/** The receipt's content, once its signature verifies with the pinned signing key (throws otherwise). */
export async function openReceipt(jws: string, server: PinnedKeys): Promise<ReceiptPayload> {
  const { payload, protectedHeader } = await compactVerify(jws, await importJWK(server.signing, 'EdDSA'), { algorithms: ['EdDSA'] });
  if (protectedHeader.typ !== RECEIPT_TYP) throw new Error('not a Witness receipt');
  return ReceiptPayloadSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
}
