// The server opens batches with node:crypto; the sync client seals them with jose. These must agree
// byte for byte, and anything that is not exactly the accepted algorithm pair must fail closed.
import { generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto';
import { CompactEncrypt, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compactEvidence, decryptEcdhEsA256kw, expandEvidence, Scratch, signEdDsaCompact, verifyEdDsaCompact } from '../../server/batch-crypto.js';

const text = 'the prompt the middlebox must not read '.repeat(200);

async function serverKey() {
  const k = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  return { ...k, publicJwk: await exportJWK(k.publicKey) };
}

describe('server batch crypto', () => {
  it('opens what jose seals (ECDH-ES+A256KW / A256GCM), with and without apu/apv', async () => {
    const k = await serverKey();
    const plain = await new CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'k1' }).encrypt(k.publicKey);
    expect(decryptEcdhEsA256kw(plain, k.privateKey).toString('utf8')).toBe(text);
    const withParty = await new CompactEncrypt(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
      .setKeyManagementParameters({ apu: new TextEncoder().encode('device'), apv: new TextEncoder().encode('server') })
      .encrypt(k.publicKey);
    expect(decryptEcdhEsA256kw(withParty, k.privateKey).toString('utf8')).toBe(text);
  });

  it('refuses another key, a modified part, a short tag and other algorithms', async () => {
    const k = await serverKey();
    const other = await serverKey();
    const jwe = await new CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).encrypt(k.publicKey);
    expect(() => decryptEcdhEsA256kw(jwe, other.privateKey)).toThrow();
    const parts = jwe.split('.');
    const flip = (i: number, s = parts[i]!) => parts.map((p, j) => (j === i ? (s[5] === 'A' ? s.slice(0, 5) + 'B' + s.slice(6) : s.slice(0, 5) + 'A' + s.slice(6)) : p)).join('.');
    for (const i of [1, 2, 3, 4]) expect(() => decryptEcdhEsA256kw(flip(i), k.privateKey)).toThrow();
    expect(() => decryptEcdhEsA256kw(parts.map((p, j) => (j === 4 ? p.slice(0, 11) : p)).join('.'), k.privateKey)).toThrow();
    expect(() => decryptEcdhEsA256kw(parts.map((p, j) => (j === 3 ? p + '*' : p)).join('.'), k.privateKey)).toThrow('not base64url');
    const dir = await new CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(k.publicKey);
    expect(() => decryptEcdhEsA256kw(dir, k.privateKey)).toThrow('not ECDH-ES+A256KW');
  });

  it('verifies EdDSA compact JWS and refuses another key or a changed payload', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const jws = await new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', typ: 'x' }).sign(privateKey);
    expect(verifyEdDsaCompact(jws, jwk).toString('utf8')).toBe(text);
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as JsonWebKey;
    expect(() => verifyEdDsaCompact(jws, other)).toThrow();
    const [h, p, s] = jws.split('.') as [string, string, string];
    expect(() => verifyEdDsaCompact(`${h}.${p.slice(0, -2)}${p.endsWith('A') ? 'B' : 'A'}${p.slice(-1)}.${s}`, jwk)).toThrow();
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect(() => verifyEdDsaCompact(none, jwk)).toThrow();
  });

  it('verifies the request bytes as received and refuses any byte that is not base64url or a second dot', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const jws = await new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', typ: 'x' }).sign(privateKey);
    expect(verifyEdDsaCompact(Buffer.from(jws, 'ascii'), jwk).toString('utf8')).toBe(text);
    const [h, p, s] = jws.split('.') as [string, string, string];
    // A byte over 0x7f (read as latin1), and a character over U+00FF whose low byte is the payload's own character or '.',
    // must not pass for the ASCII they fold onto.
    const bytes = Buffer.from(jws, 'ascii');
    bytes[h.length + 3] = 0xc1;
    expect(() => verifyEdDsaCompact(bytes, jwk)).toThrow();
    expect(() => verifyEdDsaCompact(`${h}.${p.slice(0, 3)}${String.fromCharCode(0x100 + p.charCodeAt(3))}${p.slice(4)}.${s}`, jwk)).toThrow();
    expect(() => verifyEdDsaCompact(`${h}.${p}\u012e${s}`, jwk)).toThrow('not a compact JWS');
    expect(() => verifyEdDsaCompact(Buffer.from(`${h}.${p}.${s}.`, 'ascii'), jwk)).toThrow('not a compact JWS');
    expect(() => verifyEdDsaCompact(Buffer.from(`${h}${p}`, 'ascii'), jwk)).toThrow('not a compact JWS');
  });

  it('opens a batch-sized JWS around a JWE (parts decoded in several chunks) and refuses a bad byte in a later chunk', async () => {
    const k = await serverKey();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    for (const big of [text.repeat(31), text.repeat(31) + 'é', text.repeat(31) + 'éé']) {
      const jwe = await new CompactEncrypt(new TextEncoder().encode(big)).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).encrypt(k.publicKey);
      const jws = await new CompactSign(new TextEncoder().encode(jwe)).setProtectedHeader({ alg: 'EdDSA', typ: 'x' }).sign(privateKey);
      expect(jws.length).toBeGreaterThan(3 * 64 * 1024);
      const opened = verifyEdDsaCompact(Buffer.from(jws, 'ascii'), jwk);
      expect(opened.toString('latin1')).toBe(jwe);
      expect(decryptEcdhEsA256kw(opened, k.privateKey).toString('utf8')).toBe(big);
      // A payload with '+' (base64, not base64url) in its third chunk, validly signed: refused all the same.
      const [h, p] = jws.split('.') as [string, string];
      const input = `${h}.${p.slice(0, 2 * 64 * 1024 + 7)}+${p.slice(2 * 64 * 1024 + 8)}`;
      const resigned = `${input}.${sign(null, Buffer.from(input, 'ascii'), privateKey).toString('base64url')}`;
      expect(() => verifyEdDsaCompact(Buffer.from(resigned, 'ascii'), jwk)).toThrow('not base64url');
      const ct = Buffer.from(jwe, 'ascii');
      ct[jwe.split('.').slice(0, 3).join('.').length + 1 + 64 * 1024 + 3] = 0x2f; // '/'
      expect(() => decryptEcdhEsA256kw(ct, k.privateKey)).toThrow('not base64url');
    }
  });

  it('opens batch after batch through one scratch (sizes up and down) exactly as without it, and still refuses a changed ciphertext or tag', async () => {
    const k = await serverKey();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const scratch = new Scratch();
    for (const big of [text.repeat(31), text, text.repeat(60) + 'éé', 'x', text.repeat(5) + '€']) {
      const jwe = await new CompactEncrypt(new TextEncoder().encode(big)).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).encrypt(k.publicKey);
      const jws = Buffer.from(await new CompactSign(new TextEncoder().encode(jwe)).setProtectedHeader({ alg: 'EdDSA', typ: 'x' }).sign(privateKey), 'ascii');
      const opened = verifyEdDsaCompact(jws, jwk, scratch);
      expect(opened.toString('latin1')).toBe(jwe);
      expect(decryptEcdhEsA256kw(opened, k.privateKey, scratch).toString('utf8')).toBe(big);
      const parts = jwe.split('.');
      const flip = (i: number) => parts.map((p, j) => (j === i ? (p[5] === 'A' ? `${p.slice(0, 5)}B${p.slice(6)}` : `${p.slice(0, 5)}A${p.slice(6)}`) : p)).join('.');
      expect(() => decryptEcdhEsA256kw(Buffer.from(flip(3), 'ascii'), k.privateKey, scratch)).toThrow();
      expect(() => decryptEcdhEsA256kw(Buffer.from(flip(4), 'ascii'), k.privateKey, scratch)).toThrow();
      expect(() => decryptEcdhEsA256kw(Buffer.from(`${parts.slice(0, 3).join('.')}.${parts[3]}*.${parts[4]}`, 'ascii'), k.privateKey, scratch)).toThrow('not base64url');
    }
  });

  it('compacts a batch as evidence (ciphertext bytes and frame) that expands to the exact bytes received, and keeps a non-canonical encoding as received', async () => {
    const k = await serverKey();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const publicJwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const signed = (payload: string) => {
      const input = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'b' })).toString('base64url')}.${payload}`;
      return Buffer.from(`${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`);
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A last character with one of its unused bits set: decodes to the same bytes, is not their encoding.
    const stray = (part: string) => part.slice(0, -1) + alphabet[alphabet.indexOf(part.at(-1)!) ^ 1];
    let kept = 0;
    for (let n = 1; n <= 12; n++) {
      const jwe = await new CompactEncrypt(new TextEncoder().encode('x'.repeat(n))).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).encrypt(k.publicKey);
      const open = (wire: Buffer) => {
        const scratch = new Scratch();
        const inner = verifyEdDsaCompact(wire, publicJwk, scratch);
        const opened: { ciphertext?: Buffer } = {};
        expect(decryptEcdhEsA256kw(inner, k.privateKey, scratch, opened).toString('utf8')).toBe('x'.repeat(n));
        return compactEvidence(wire, inner, opened.ciphertext!);
      };
      const wire = signed(Buffer.from(jwe).toString('base64url'));
      const ev = open(wire)!;
      expect(ev.frame.split('.')).toHaveLength(6);
      expect(ev.ciphertext.length).toBe(n);
      expect(expandEvidence(ev.frame, ev.ciphertext).equals(wire)).toBe(true);
      const parts = jwe.split('.');
      if (parts[3]!.length % 4) {
        // The ciphertext part not canonical: it still opens (same bytes), and is kept as received.
        expect(open(signed(Buffer.from(parts.map((p, i) => (i === 3 ? stray(p) : p)).join('.')).toString('base64url')))).toBeNull();
        kept++;
      }
      const outer = Buffer.from(jwe).toString('base64url');
      if (outer.length % 4) {
        expect(open(signed(stray(outer)))).toBeNull();
        kept++;
      }
    }
    expect(kept).toBeGreaterThan(10);
  });

  it('signs receipts byte for byte as jose does', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    for (const payload of [{ v: 1, device: 'dev-é', seq: 5, hash: 'ab', batchId: 'b', stored: 5, receivedAt: '2026-12-03T05:00:00.000Z' }, { text }]) {
      const header = { alg: 'EdDSA' as const, kid: 'k1', typ: 'witness-receipt+jws' };
      const byJose = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(privateKey);
      expect(signEdDsaCompact(header, JSON.stringify(payload), KeyObject.from(privateKey as Parameters<typeof KeyObject.from>[0]))).toBe(byJose);
    }
  });
});
