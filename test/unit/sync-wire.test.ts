// The engine seals batches with node:crypto; they must be standard compact JWS/JWE that jose
// opens with the same keys (and nothing else opens), and that the server's opener accepts.
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { compactDecrypt, compactVerify, decodeProtectedHeader, exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import type { BatchPayload } from '../../proxy/model/index.js';
import { BATCH_TYP, publicJwkOf, sealBatch } from '../../proxy/sync/index.js';
import { decryptEcdhEsA256kw, verifyEdDsaCompact } from '../../server/batch-crypto.js';

const payload: BatchPayload = {
  v: 1,
  batchId: 'batch-0001',
  device: 'dev-1',
  createdAt: '2026-12-02T20:00:00.000Z',
  from: { seq: 0, hash: '0'.repeat(64) },
  records: [{ record: { seq: 1, prompt: 'the quokka harmonica prompt ü €' }, messages: [{ role: 'user', text: 'the quokka harmonica prompt ü €' }] }],
};

async function keys() {
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const sig = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const server = { encryption: { ...(await exportJWK(enc.publicKey)), kid: 'enc-1', use: 'enc', alg: 'ECDH-ES+A256KW' }, signing: { ...(await exportJWK(sig.publicKey)), kid: 'sig-1', use: 'sig', alg: 'EdDSA' } };
  const { privateKey } = generateKeyPairSync('ed25519');
  return { enc, server, device: { privateKey, publicJwk: publicJwkOf(privateKey) } };
}

describe('sync wire: sealing a batch', () => {
  it('is a compact JWS (EdDSA, typ, kid, jkt) that jose verifies around a JWE that jose decrypts with the server key', async () => {
    const k = await keys();
    const sealed = await sealBatch(payload, k.device, k.server);
    expect(sealed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(decodeProtectedHeader(sealed)).toEqual({ alg: 'EdDSA', typ: BATCH_TYP, kid: 'dev-1', jkt: await calculateJwkThumbprint(k.device.publicJwk) });
    await expect(compactVerify(sealed, generateKeyPairSync('ed25519').publicKey, { algorithms: ['EdDSA'] })).rejects.toThrow();
    const verified = await compactVerify(sealed, createPublicKey(k.device.privateKey), { algorithms: ['EdDSA'] });
    const jwe = new TextDecoder().decode(verified.payload);
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'enc-1', epk: { kty: 'EC', crv: 'P-256' } });
    const opened = await compactDecrypt(jwe, k.enc.privateKey);
    expect(JSON.parse(new TextDecoder().decode(opened.plaintext))).toEqual(payload);
    expect(jwe).not.toContain('quokka');
    expect(Buffer.from(sealed.split('.')[1]!, 'base64url').toString()).not.toContain('quokka');
  });

  it("opens with the server's node:crypto opener, and fails closed with another server key", async () => {
    const k = await keys();
    const other = await keys();
    const sealed = await sealBatch(payload, k.device, k.server);
    const jwe = verifyEdDsaCompact(sealed, k.device.publicJwk as JsonWebKey).toString('utf8');
    expect(JSON.parse(decryptEcdhEsA256kw(jwe, k.enc.privateKey as never).toString('utf8'))).toEqual(payload);
    expect(() => decryptEcdhEsA256kw(jwe, other.enc.privateKey as never)).toThrow();
    await expect(compactDecrypt(jwe, other.enc.privateKey)).rejects.toThrow();
  });

  it('uses a fresh ephemeral key, content key and IV for every batch', async () => {
    const k = await keys();
    const jwes = await Promise.all([1, 2, 3].map(async () => verifyEdDsaCompact(await sealBatch(payload, k.device, k.server), k.device.publicJwk as JsonWebKey).toString('utf8')));
    for (const i of [0, 1, 2, 3]) expect(new Set(jwes.map((j) => j.split('.')[i])).size).toBe(3);
  });
});
