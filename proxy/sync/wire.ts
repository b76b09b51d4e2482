/**
 * The sync wire format, device side: a batch is encrypted to the server's pinned encryption
 * key (JWE compact, ECDH-ES+A256KW / A256GCM), then signed with the device key (JWS compact,
 * EdDSA, kid = device id, jkt = the key's thumbprint so the server can tell a wrong key from a
 * modified batch). A middlebox that sees the bytes sees neither a prompt nor a record. Receipts
 * are checked against the server's pinned signing key.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, CompactEncrypt, CompactSign, compactVerify, importJWK, type JWK } from 'jose';
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

export async function sealBatch(payload: BatchPayload, device: { privateKey: KeyObject; publicJwk: JWK }, server: PinnedKeys): Promise<string> {
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: server.encryption.kid! })
    .encrypt(await importJWK(server.encryption, 'ECDH-ES+A256KW'));
  return new CompactSign(new TextEncoder().encode(jwe))
    .setProtectedHeader({ alg: 'EdDSA', typ: BATCH_TYP, kid: payload.device, jkt: await calculateJwkThumbprint(device.publicJwk) })
    .sign(device.privateKey);
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
