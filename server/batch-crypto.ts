/**
 * Opening a batch with node:crypto directly: the JWS (EdDSA) around the JWE (ECDH-ES+A256KW /
 * A256GCM, RFC 7518 §4.6) the sync client seals with `jose`. Why not `jose` here: a batch is
 * ~300 KB of base64url decoded twice, and jose's portable decoder (atob and a byte loop) was
 * the largest share of the server's CPU per record; Buffer's native base64url is ~10x faster.
 * Only the one algorithm pair the server accepts is implemented, strictly: any other header,
 * a short tag or IV, or a wrong key throws. The round trip against jose's sealing is tested.
 */
import { createDecipheriv, createHash, createPublicKey, diffieHellman, KeyObject, sign, verify, type JsonWebKey } from 'node:crypto';

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64(part: string): Buffer {
  // Buffer skips characters that are not base64url; a compact part must have none.
  if (!B64URL.test(part)) throw new Error('not base64url');
  return Buffer.from(part, 'base64url');
}

// A multiple of 4 characters (each chunk decodes on its own, exactly as the whole would), and
// under V8's 128 KB regular-object limit: a string over it is a large object, mapped fresh
// and faulted in page by page each batch. Decoding a ~300 KB part as one string measured
// ~2.8 ms of CPU (half of it the kernel's), in 64 KB chunks ~0.3 ms.
const CHUNK = 64 * 1024;

/**
 * Reusable space for a batch's large intermediate bytes (the JWE inside the JWS, the
 * ciphertext inside the JWE, the plaintext), for a caller that opens batch after batch: a
 * fresh buffer of a few hundred KB is mapped and faulted in page by page each time (measured
 * ~0.4-0.8 ms of CPU per 170 KB under load, half of it the kernel's; a reused one ~2 µs).
 * What a function returns from a scratch is a view of it, valid until that scratch is passed
 * again: use it before the next await. It keeps its largest size (a batch is bounded by the
 * ingest's body limit).
 */
export class Scratch {
  private readonly slots: Buffer[] = [];
  get(slot: number, size: number): Buffer {
    let b = this.slots[slot];
    if (!b || b.length < size) this.slots[slot] = b = Buffer.allocUnsafe(Math.max(size, Math.min(2 * (b?.length ?? 0), 64 << 20)));
    return b;
  }
}

/** The base64url part `bytes[start, end)` decoded, strictly (any byte outside base64url throws); into `into` when given (large enough), else a new buffer. */
function b64Range(bytes: Buffer, start: number, end: number, into?: Buffer): Buffer {
  const size = Math.floor(((end - start) * 3) / 4);
  const out = into && into.length >= size ? into : Buffer.allocUnsafe(size);
  let n = 0;
  for (let i = start; i < end; i += CHUNK) {
    // latin1 keeps any byte over 0x7f as a character the base64url check refuses (a compact JWS is ASCII).
    const part = bytes.toString('latin1', i, Math.min(end, i + CHUNK));
    if (!B64URL.test(part)) throw new Error('not base64url');
    n += out.write(part, n, 'base64url');
  }
  return out.subarray(0, n);
}

/** The offsets of the dots of a compact serialization with `parts` parts; throws when there are more or fewer. */
function dotsOf(bytes: Buffer, parts: number, what: string): number[] {
  const dots: number[] = [];
  for (let i = bytes.indexOf(0x2e); i >= 0; i = bytes.indexOf(0x2e, i + 1)) {
    dots.push(i);
    if (dots.length >= parts) break;
  }
  if (dots.length !== parts - 1) throw new Error(`not a compact ${what}`);
  return dots;
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
export function verifyEdDsaCompact(jws: string | Buffer, publicJwk: JsonWebKey, scratch?: Scratch): Buffer {
  // UTF-8, not latin1: a character over U+00FF must not fold onto an ASCII byte.
  const bytes = typeof jws === 'string' ? Buffer.from(jws, 'utf8') : jws;
  const [first, second] = dotsOf(bytes, 3, 'JWS') as [number, number];
  if (headerOf(bytes.toString('latin1', 0, first)).alg !== 'EdDSA') throw new Error('not an EdDSA JWS');
  const key = createPublicKey({ key: publicJwk, format: 'jwk' });
  if (!verify(null, bytes.subarray(0, second), key, b64Range(bytes, second + 1, bytes.length))) throw new Error('signature does not verify');
  return b64Range(bytes, first + 1, second, scratch?.get(0, second - first));
}

/**
 * A compact JWS of `payload` (text) with the protected header `header` (alg EdDSA), signed with
 * the Ed25519 `privateKey`: byte for byte what jose's CompactSign makes of the same header
 * object and payload (Ed25519 signatures are deterministic; tested).
 */
export function signEdDsaCompact(header: { alg: 'EdDSA' } & Record<string, unknown>, payload: string, privateKey: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload, 'utf8').toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input, 'ascii'), privateKey).toString('base64url')}`;
}

const lengthPrefixed = (b: Buffer) => {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(b.length);
  return Buffer.concat([n, b]);
};

/**
 * The plaintext of a compact JWE (ECDH-ES+A256KW, A256GCM) to `privateKey`; throws when it
 * does not open. Given bytes, its parts are decoded from them in place; given a scratch, the
 * ciphertext and the plaintext are kept in it (the plaintext returned is a view of it).
 */
export function decryptEcdhEsA256kw(jwe: string | Buffer, privateKey: KeyObject | Parameters<typeof KeyObject.from>[0], scratch?: Scratch, opened?: { ciphertext?: Buffer }): Buffer {
  const bytes = typeof jwe === 'string' ? Buffer.from(jwe, 'utf8') : jwe;
  const dots = dotsOf(bytes, 5, 'JWE');
  const part = (i: number) => b64Range(bytes, i === 0 ? 0 : dots[i - 1]! + 1, i === 4 ? bytes.length : dots[i]!);
  const protectedB64 = bytes.toString('latin1', 0, dots[0]);
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
  const cek = Buffer.concat([unwrap.update(part(1)), unwrap.final()]);
  const iv = part(2);
  const tag = part(4);
  if (cek.length !== 32 || iv.length !== 12 || tag.length !== 16) throw new Error('wrong key, IV or tag length');
  const gcm = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
  gcm.setAAD(Buffer.from(protectedB64, 'ascii'));
  gcm.setAuthTag(tag);
  if (!scratch) return Buffer.concat([gcm.update(part(3)), gcm.final()]);
  const ct = b64Range(bytes, dots[2]! + 1, dots[3]!, scratch.get(1, dots[3]! - dots[2]!));
  if (opened) opened.ciphertext = ct;
  // In pieces under malloc's 128 KB mapping threshold: each piece's output comes from the heap, not fresh pages.
  const out = scratch.get(2, ct.length);
  let n = 0;
  for (let i = 0; i < ct.length; i += CHUNK) n += gcm.update(ct.subarray(i, Math.min(ct.length, i + CHUNK))).copy(out, n);
  n += gcm.final().copy(out, n);
  return out.subarray(0, n);
}

/** True when the base64url text `bytes[start, end)` is the one encoding of `decoded` (no padding, unused bits of the last character zero), so encoding `decoded` gives those bytes back. */
function encodes(bytes: Buffer, start: number, end: number, decoded: Buffer): boolean {
  const len = end - start;
  if (len === 0) return decoded.length === 0;
  if (len !== Math.ceil((decoded.length * 4) / 3)) return false;
  // Every full group of 4 characters ↔ 3 bytes is one to one; only the last group can carry stray bits.
  const tail = len % 4 || 4;
  const from = ((len - tail) / 4) * 3;
  return decoded.subarray(from).toString('base64url') === bytes.toString('latin1', end - tail, end);
}

/**
 * A batch's evidence, compacted: its one large part, the JWE ciphertext, as bytes, and the
 * rest of the compact JWS around it as `frame` (`jwsHeader.jweHeader.encryptedKey.iv.tag.signature`,
 * base64url as received). The evidence as received was base64url of base64url of the
 * ciphertext (~300 KB for ~170 KB of ciphertext): the ciphertext alone is ~43 % fewer bytes to
 * send and store. `expandEvidence(frame, ciphertext)` (and SQL's `batch_evidence`, migration
 * 10) gives back the exact bytes received. Null when those could not be given back (a
 * base64url part that is not the canonical encoding of its bytes): then the bytes are kept as
 * they are. `jws` is the verified body, `jwe` its decoded payload, `ciphertext` the JWE's
 * decoded ciphertext part.
 */
export function compactEvidence(jws: Buffer, jwe: Buffer, ciphertext: Buffer): { frame: string; ciphertext: Buffer } | null {
  const [a, b] = dotsOf(jws, 3, 'JWS') as [number, number];
  const d = dotsOf(jwe, 5, 'JWE');
  if (!encodes(jws, a + 1, b, jwe) || !encodes(jwe, d[2]! + 1, d[3]!, ciphertext)) return null;
  const frame = `${jws.toString('latin1', 0, a)}.${jwe.toString('latin1', 0, d[2])}.${jwe.toString('latin1', d[3]! + 1)}.${jws.toString('latin1', b + 1)}`;
  return { frame, ciphertext };
}

/** The bytes received, from a compacted evidence (`compactEvidence`). */
export function expandEvidence(frame: string, ciphertext: Buffer): Buffer {
  const [jwsHeader, jweHeader, ek, iv, tag, sig] = frame.split('.');
  const jwe = `${jweHeader}.${ek}.${iv}.${ciphertext.toString('base64url')}.${tag}`;
  return Buffer.from(`${jwsHeader}.${Buffer.from(jwe, 'latin1').toString('base64url')}.${sig}`, 'latin1');
}
