/**
 * The placeholder tag: HMAC-SHA-256(key, secret) (RFC 2104), its first 4 hex digits. SHA-256
 * (FIPS 180-4) is written here as a small WebAssembly module, as its bytes (no build step),
 * so that the key's two padded blocks are compressed once per key and kept as two midstates:
 * a tag then costs the inner message's blocks (one for a secret of up to 55 UTF-8 bytes) and
 * one outer block, and only the digest's first 2 bytes are read back. node's one-shot `hash`
 * cost ~17.8 k instructions a short tag, mostly binding overhead around its two digests; SHA-256
 * in JavaScript was dearer still (~5–6 k a block). Long secrets, or where WebAssembly is not
 * available, are tagged with node's `hash` over the same padded key. Nothing is kept: a
 * secret's bytes stay in the module's memory until the next tag overwrites them.
 *
 * Memory (one page per key): the initial hash value, the two midstates, the working hash value, the
 * outer block, the key's two padded blocks (read once), then the secret's bytes and padding.
 */
import { hash } from 'node:crypto';
import { ADD, AND, BR_IF, CALL, compiledOnce, END, functionBody, I32_CONST, I32_LOAD, I32_STORE, I32_STORE8, instantiateAll, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, LT_U, MEMORY_COPY, MEMORY_FILL, moduleOf, OR, PAGE, ROTL, ROTR, SHL, SHR_U, SUB, XOR } from './wasm-bytes.js';

const IV_AT = 256;
const INNER_AT = 288;
const OUTER_AT = 320;
const H_AT = 352;
const OUTBLOCK_AT = 640;
const IPAD_AT = 704;
const OPAD_AT = 768;
const MSG_AT = 832;
/**
 * Longer secrets (in UTF-16 units) are tagged with node's hash: its digests use the CPU's SHA
 * instructions, ~1.7 k instructions a block against ~3.7 k here, so past ~6 blocks its fixed
 * ~18 k a call costs less (measured on the dense corpus's secrets, docs/benchmarks.md). At most
 * 3 UTF-8 bytes a unit (a surrogate pair: 4 for 2), so the secret and its padding fit the page.
 */
const WASM_MAX_UNITS = 375;
const MSG_ROOM = PAGE - MSG_AT;

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// The function indices.
const COMPRESS = 0;

/** Code pushing local `x` byte-swapped (memory is little-endian, SHA-256's words big-endian). */
const bswap = (x: number) => [LOCAL_GET, x, ...I32_CONST(0x00ff00ff), AND, ...I32_CONST(8), ROTR, LOCAL_GET, x, ...I32_CONST(0xff00ff00 | 0), AND, ...I32_CONST(8), ROTL, OR];
/** Code pushing rotr(x, a) ^ rotr(x, b) ^ (c < 0 ? rotr(x, -c) : x >>> c) for local x. */
const sigma = (x: number, a: number, b: number, c: number) => [
  LOCAL_GET, x, ...I32_CONST(a), ROTR,
  LOCAL_GET, x, ...I32_CONST(b), ROTR, XOR,
  LOCAL_GET, x, ...I32_CONST(Math.abs(c)), c < 0 ? ROTR : SHR_U, XOR,
];

// compress(block): the hash value at H_AT through one 64-byte block at `block`. Unrolled: the
// round constants are immediates, the schedule's 16 live words and the 8 working variables are
// locals renamed from round to round (no moves), as a loop costed ~4.9 k instructions a block.
function compress(): number[] {
  const BLK = 0;
  const S = [1, 2, 3, 4, 5, 6, 7, 8];
  const W = Array.from({ length: 16 }, (_, k) => 9 + k);
  const [T, X] = [25, 26];
  const c: number[] = [];
  S.forEach((v, k) => c.push(...I32_CONST(0), ...I32_LOAD(H_AT + 4 * k), LOCAL_SET, v));
  for (let t = 0; t < 64; t++) {
    const [a, b, cc, d, e, f, g, h] = S.map((_, k) => S[(k - t + 64) & 7]!) as [number, number, number, number, number, number, number, number];
    const w = W[t & 15]!;
    if (t < 16) {
      // The block's word, byte-swapped (memory is little-endian).
      c.push(LOCAL_GET, BLK, ...I32_LOAD(4 * t), LOCAL_SET, X, ...bswap(X), LOCAL_SET, w);
    } else {
      // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] (W[t-16] is the local W[t] replaces).
      c.push(...sigma(W[(t - 2) & 15]!, 17, 19, 10), LOCAL_GET, W[(t - 7) & 15]!, ADD, ...sigma(W[(t - 15) & 15]!, 7, 18, 3), ADD, LOCAL_GET, w, ADD, LOCAL_SET, w);
    }
    // T = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t], Ch = g ^ (e & (f ^ g)); d += T.
    c.push(LOCAL_GET, h, ...sigma(e, 6, 11, -25), ADD);
    c.push(LOCAL_GET, g, LOCAL_GET, e, LOCAL_GET, f, LOCAL_GET, g, XOR, AND, XOR, ADD);
    c.push(...I32_CONST(K[t]! | 0), ADD, LOCAL_GET, w, ADD, LOCAL_TEE, T);
    c.push(LOCAL_GET, d, ADD, LOCAL_SET, d);
    // h = T + Σ0(a) + Maj(a, b, c), Maj = (a & b) | (c & (a | b)): next round's a.
    c.push(LOCAL_GET, T, ...sigma(a, 2, 13, -22), ADD);
    c.push(LOCAL_GET, a, LOCAL_GET, b, AND, LOCAL_GET, cc, LOCAL_GET, a, LOCAL_GET, b, OR, AND, OR, ADD, LOCAL_SET, h);
  }
  // The hash value plus the working variables (after 64 rounds the names are back in place).
  S.forEach((v, k) => c.push(...I32_CONST(0), ...I32_CONST(0), ...I32_LOAD(H_AT + 4 * k), LOCAL_GET, v, ADD, ...I32_STORE(H_AT + 4 * k)));
  c.push(END);
  return functionBody(26, c);
}

// midstate(block, dest): the initial hash value through the block at `block`, stored at `dest`.
function midstate(): number[] {
  const c: number[] = [];
  c.push(...I32_CONST(H_AT), ...I32_CONST(IV_AT), ...I32_CONST(32), ...MEMORY_COPY);
  c.push(LOCAL_GET, 0, CALL, COMPRESS);
  c.push(LOCAL_GET, 1, ...I32_CONST(H_AT), ...I32_CONST(32), ...MEMORY_COPY, END);
  return functionBody(0, c);
}

/** Code copying 8 words from `from` to `to` (memory.copy calls out of the module: ~100 instructions). */
const copy32 = (to: number, from: number) => Array.from({ length: 8 }, (_, k) => [...I32_CONST(0), ...I32_CONST(0), ...I32_LOAD(from + 4 * k), ...I32_STORE(to + 4 * k)]).flat();

// tag(n): HMAC-SHA-256 of the n bytes at MSG_AT with the key whose midstates are at INNER_AT
// and OUTER_AT; returns the digest's first 2 bytes.
function tag(): number[] {
  const N = 0;
  const [END_AT, P, X] = [1, 2, 3];
  const c: number[] = [];
  // Padding: 0x80, zeros, then the bit length of the ipad block and the message as a 64-bit
  // big-endian number (below 2^32 here: its high word is among the zeros), ending at
  // END_AT = MSG_AT + ((n + 8) & -64) + 64.
  c.push(LOCAL_GET, N, ...I32_CONST(8), ADD, ...I32_CONST(-64), AND, ...I32_CONST(MSG_AT + 64), ADD, LOCAL_SET, END_AT);
  c.push(LOCAL_GET, N, ...I32_CONST(0x80), ...I32_STORE8(MSG_AT));
  c.push(LOCAL_GET, N, ...I32_CONST(MSG_AT + 1), ADD, ...I32_CONST(0), LOCAL_GET, END_AT, LOCAL_GET, N, SUB, ...I32_CONST(MSG_AT + 5), SUB, ...MEMORY_FILL);
  c.push(LOCAL_GET, N, ...I32_CONST(64), ADD, ...I32_CONST(3), SHL, LOCAL_SET, X);
  c.push(LOCAL_GET, END_AT, ...I32_CONST(4), SUB, ...bswap(X), ...I32_STORE());
  // The inner hash: from the ipad midstate through the message's blocks.
  c.push(...copy32(H_AT, INNER_AT));
  c.push(...I32_CONST(MSG_AT), LOCAL_SET, P, ...LOOP);
  c.push(LOCAL_GET, P, CALL, COMPRESS);
  c.push(LOCAL_GET, P, ...I32_CONST(64), ADD, LOCAL_TEE, P, LOCAL_GET, END_AT, LT_U, BR_IF, 0, END);
  // The outer block: the inner digest (its padding was written once), from the opad midstate.
  for (let k = 0; k < 8; k++) c.push(...I32_CONST(0), ...I32_CONST(0), ...I32_LOAD(H_AT + 4 * k), LOCAL_SET, X, ...bswap(X), ...I32_STORE(OUTBLOCK_AT + 4 * k));
  c.push(...copy32(H_AT, OUTER_AT));
  c.push(...I32_CONST(OUTBLOCK_AT), CALL, COMPRESS);
  c.push(...I32_CONST(0), ...I32_LOAD(H_AT), ...I32_CONST(16), SHR_U, END);
  return functionBody(3, c);
}

const moduleBytes = () =>
  moduleOf([
    { params: 1, result: false, body: compress() },
    { params: 2, result: false, body: midstate(), name: 'midstate' },
    { params: 1, result: true, body: tag(), name: 'tag' },
  ]);

/** The compiled module, or null where WebAssembly is not available (node's hash is used). */
const wasmModule = compiledOnce(moduleBytes);

/** Two hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Placeholder tags under one key. */
export class HmacTag {
  /** The key padded to SHA-256's 64-byte block, XOR 0x36 and XOR 0x5c (HMAC's inner and outer keys). */
  private readonly ipad: Buffer;
  private readonly opad: Buffer;
  /** The module's tag function and the view its secrets are written to (null: node's hash only). */
  private readonly tagFn: ((n: number) => number) | null = null;
  private readonly msg: Buffer | null = null;
  /** node's hash inputs, reused (tags are made synchronously): ipad then the secret; opad then the inner hash. */
  private inner: Buffer | null = null;
  private outer: Buffer | null = null;

  /** `useWasm: false` makes every tag with node's hash (as where WebAssembly is not available). */
  constructor(key: Buffer, useWasm = true) {
    const block = Buffer.alloc(64);
    (key.length > 64 ? hash('sha256', key, 'buffer') : key).copy(block);
    this.ipad = Buffer.from(block.map((b) => b ^ 0x36));
    this.opad = Buffer.from(block.map((b) => b ^ 0x5c));
    const m = useWasm ? wasmModule() : null;
    if (m === null) return;
    const { exports, memory } = instantiateAll(m, PAGE);
    const words = new DataView(memory.buffer);
    IV.forEach((v, i) => words.setUint32(IV_AT + 4 * i, v, true));
    const bytes = Buffer.from(memory.buffer);
    // The outer block's padding after the 32-byte inner digest: 0x80, zeros, (64 + 32) × 8 bits.
    bytes[OUTBLOCK_AT + 32] = 0x80;
    words.setUint32(OUTBLOCK_AT + 60, (64 + 32) * 8, false);
    this.ipad.copy(bytes, IPAD_AT);
    this.opad.copy(bytes, OPAD_AT);
    const midstate = exports.midstate as (block: number, dest: number) => void;
    midstate(IPAD_AT, INNER_AT);
    midstate(OPAD_AT, OUTER_AT);
    this.tagFn = exports.tag as (n: number) => number;
    this.msg = Buffer.from(memory.buffer, MSG_AT, MSG_ROOM);
  }

  /** HMAC-SHA-256(key, the secret's UTF-8), first 4 hex digits. */
  of(secret: string): string {
    if (this.tagFn === null || secret.length > WASM_MAX_UNITS) return this.ofNode(secret);
    const v = this.tagFn(this.msg!.write(secret, 0, 'utf8'));
    return HEX[v >>> 8]! + HEX[v & 255]!;
  }

  /**
   * The same with node's one-shot `hash` over the padded keys (RFC 2104 from its definition:
   * createHmac makes a native object per call). The inner digest is passed as a 'binary'
   * (latin1) string, one character a byte, and written back as bytes: a string result costs
   * node less than a Buffer one.
   */
  private ofNode(secret: string): string {
    if (this.inner === null || this.inner.length < 64 + secret.length * 3) {
      this.inner = Buffer.allocUnsafe(64 + Math.max(192, secret.length * 3));
      this.ipad.copy(this.inner, 0);
    }
    if (this.outer === null) {
      this.outer = Buffer.allocUnsafe(64 + 32);
      this.opad.copy(this.outer, 0);
    }
    const n = this.inner.write(secret, 64, 'utf8');
    this.outer.write(hash('sha256', this.inner.subarray(0, 64 + n), 'binary'), 64, 'latin1');
    return hash('sha256', this.outer, 'hex').slice(0, 4);
  }
}
