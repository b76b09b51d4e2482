/**
 * The keyword pass of a whole-text scan read from the text's UTF-8 bytes (KeywordIndex.scanText):
 * the automaton's byte table (state × 256 + byte, see KeywordIndex.occursInBytes) walked in
 * four interleaved stretches. Each step's table load waits on the one before, so one walk
 * costs a load latency per byte; four independent walks run their loads side by side.
 *
 * Same answer as the string walk (KeywordIndex.scan):
 * - A non-ASCII character is 2–4 bytes ≥ 0x80, all of the "other" class; one such step or
 *   several lead to the root from any state, so the automaton is in the same state after the
 *   character's bytes as after the character. Keywords are ASCII, so every occurrence ends on
 *   the same character either way; its offset is counted in bytes and turned back into UTF-16
 *   units afterwards (charOffsets), which changes nothing in ASCII text.
 * - Walk k starts from the root at its quarter point and reads maxLength − 1 bytes past the
 *   next one, so it sees whole every occurrence that starts in its quarter, and records only
 *   those (an occurrence starting earlier is the previous walk's): each occurrence once.
 *   Every occurrence any walk sees is real, so it marks `present` for all of them.
 */

import { SLICE, WasmWalker } from './wasm-walk.js';

/** The hit list scanBytes fills (keywords.ts's Hits, described here so the two files do not import each other). */
export interface Hits {
  ids: Int32Array;
  starts: Int32Array;
  length: number;
  readonly seen: Int32Array;
  seenCount: number;
  readonly wanted: Uint8Array;
  add(id: number, start: number): void;
}

/** Stretches at least this long are scanned as bytes (shorter: the string walk, cheaper than a copy). */
export const SCAN_BYTES_FROM = 128;

/** A reusable buffer for texts' UTF-8 copies: grown as needed, and replaced by a fresh one past 4 MB (a huge text's copy is not kept for good). */
export class Utf8Scratch {
  private buf = Buffer.allocUnsafe(16 * 1024);

  /** The buffer, with room for `chars` UTF-16 units as UTF-8 (at most 3 bytes each). */
  room(chars: number): Buffer {
    const need = chars * 3;
    if (this.buf.length < need) this.buf = Buffer.allocUnsafe(need);
    else if (this.buf.length > KEEP && need <= KEEP) this.buf = Buffer.allocUnsafe(KEEP);
    return this.buf;
  }
}
const KEEP = 4 * 1024 * 1024;

/** The copy buffer (not occursIn's: joinedUtf8's bytes must outlive a scan). */
const scratch = new Utf8Scratch();

/**
 * (keyword id, start) pairs in typed arrays that double when full: keywords.ts's Hits, and
 * here each walk's own finds after the first (appended to the hits after the loop).
 */
export class Pairs {
  ids: Int32Array;
  starts: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
  }

  add(id: number, start: number): void {
    if (this.length === this.ids.length) {
      const ids = new Int32Array(this.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const starts = new Int32Array(this.length * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.ids[this.length] = id;
    this.starts[this.length++] = start;
  }
}
const later = [new Pairs(256), new Pairs(256), new Pairs(256)];

/** The automaton as scanText reads it. */
export interface ByteAutomaton {
  /** State × 256 + byte → next state in that form, bit-inverted when it has outputs. */
  table: Int32Array;
  /** Keyword ids ending at each state (by state number). */
  outputs: number[][];
  lengths: Int32Array;
  maxLength: number;
}

/**
 * Marks what occurs in text[from, to) in `present` (first sightings listed in hits.seen) and
 * appends the occurrences of wanted keywords to `hits` in order of where they start (among
 * equal starts, the shorter first): scan() followed by sortHitsByStart.
 */
export function scanBytes(a: ByteAutomaton, text: string, from: number, to: number, present: Uint8Array, hits: Hits): void {
  const len = to - from;
  const str = from === 0 && to === text.length ? text : text.slice(from, to);
  // The bytes go straight into the WebAssembly walker's memory when it has one (see wasm-walk.ts).
  let walker = walkers.get(a.table);
  if (walker === undefined) walkers.set(a.table, (walker = useWasm ? WasmWalker.for(a.table) : null));
  if (walker !== null && !walker.room(len * 3)) walker = null;
  // The bytes as an array of their own only when read in JavaScript (the single walk, the
  // offsets of non-ASCII text): a Buffer view costs an allocation per call.
  let bytes: Uint8Array | null = null;
  let n: number;
  if (walker !== null) n = walker.bytes.write(str, walker.text, 'utf8');
  else {
    bytes = scratch.room(len);
    n = (bytes as Buffer).write(str, 0, 'utf8');
  }
  const first = hits.length;
  const over = a.maxLength - 1;
  const q = n >> 2;
  if (q <= over || over < 3) walk(a, bytes ?? walker!.bytes.subarray(walker!.text, walker!.text + n), 0, n, 0, n, present, hits, hits);
  else {
    for (const f of later) f.length = 0;
    if (walker !== null) walk4Wasm(a, walker, n, q, over, present, hits);
    else walk4(a, bytes!, n, q, over, present, hits);
    for (const f of later) for (let k = 0; k < f.length; k++) hits.add(f.ids[k]!, f.starts[k]!);
  }
  sortHitsFrom(hits, first);
  if (n !== len) charOffsets(bytes ?? walker!.bytes.subarray(walker!.text, walker!.text + n), hits, first);
  if (from !== 0) for (let h = first; h < hits.length; h++) hits.starts[h]! += from;
}

/** One walk over bytes[begin, end) from the root, recording occurrences that start in [lo, hi). */
function walk(a: ByteAutomaton, bytes: Uint8Array, begin: number, end: number, lo: number, hi: number, present: Uint8Array, hits: Hits, into: Hits | Pairs): void {
  const t = a.table;
  let s = 0;
  for (let i = begin; i < end; i++) {
    const v = t[s + bytes[i]!]!;
    if (v >= 0) s = v;
    else {
      s = ~v;
      found(a, s, i, lo, hi, present, hits, into);
    }
  }
}

/**
 * Four walks in one loop: from the quarter points q·k, each q + over bytes long (the last
 * one starts early enough to end at n and records from 3q on). Nothing follows the loop
 * (see KeywordIndex.occursInBytes: V8 keeps the loop's on-stack-replaced code).
 */
function walk4(a: ByteAutomaton, bytes: Uint8Array, n: number, q: number, over: number, present: Uint8Array, hits: Hits): void {
  const t = a.table;
  const len = q + over;
  const b1 = q;
  const b2 = 2 * q;
  const b3 = n - len;
  const [f1, f2, f3] = later as [Pairs, Pairs, Pairs];
  let sa = 0;
  let sb = 0;
  let sc = 0;
  let sd = 0;
  for (let i = 0; i < len; i++) {
    const va = t[sa + bytes[i]!]!;
    const vb = t[sb + bytes[b1 + i]!]!;
    const vc = t[sc + bytes[b2 + i]!]!;
    const vd = t[sd + bytes[b3 + i]!]!;
    if ((va | vb | vc | vd) >= 0) {
      sa = va;
      sb = vb;
      sc = vc;
      sd = vd;
      continue;
    }
    sa = va ^ (va >> 31);
    sb = vb ^ (vb >> 31);
    sc = vc ^ (vc >> 31);
    sd = vd ^ (vd >> 31);
    if (va < 0) found(a, sa, i, 0, q, present, hits, hits);
    if (vb < 0) found(a, sb, b1 + i, q, 2 * q, present, hits, f1);
    if (vc < 0) found(a, sc, b2 + i, 2 * q, 3 * q, present, hits, f2);
    if (vd < 0) found(a, sd, b3 + i, 3 * q, n, present, hits, f3);
  }
}

/** WebAssembly walkers by automaton table (null: none, the JavaScript walk4 is used). */
const walkers = new WeakMap<Int32Array, WasmWalker | null>();
let useWasm = true;

/** Whether scanBytes walks with WebAssembly where it can (tests compare the two walks). */
export function useWasmWalk(on: boolean): void {
  useWasm = on;
}

const wasmStates = new Int32Array(4);

/**
 * walk4 done by the WebAssembly walker (wasm-walk.ts), in slices of SLICE steps: the same
 * four walks over the same bytes, and the records of states with outputs handed to found()
 * in the order walk4 meets them, so hits, `present` and `seen` come out the same.
 */
function walk4Wasm(a: ByteAutomaton, walker: WasmWalker, n: number, q: number, over: number, present: Uint8Array, hits: Hits): void {
  const len = q + over;
  const b1 = q;
  const b2 = 2 * q;
  const b3 = n - len;
  const [f1, f2, f3] = later as [Pairs, Pairs, Pairs];
  const st = wasmStates;
  st.fill(0);
  for (let from = 0; from < len; from += SLICE) {
    const end = walker.walk(0, b1, b2, b3, from, Math.min(SLICE, len - from), st) >> 2;
    const w = walker.words;
    for (let r = walker.out >> 2; r < end; r += 2) {
      const i = from + w[r]!;
      const x = w[r + 1]!;
      const s = x & 0x0fffffff;
      const k = x >>> 28;
      if (k === 0) found(a, s, i, 0, q, present, hits, hits);
      else if (k === 1) found(a, s, b1 + i, q, 2 * q, present, hits, f1);
      else if (k === 2) found(a, s, b2 + i, 2 * q, 3 * q, present, hits, f2);
      else found(a, s, b3 + i, 3 * q, n, present, hits, f3);
    }
  }
}

/** The occurrences ending at byte i (the walk now in state s, byte-table form): marked, and recorded when they start in [lo, hi). */
function found(a: ByteAutomaton, s: number, i: number, lo: number, hi: number, present: Uint8Array, hits: Hits, into: Hits | Pairs): void {
  const o = a.outputs[s >> 8]!;
  for (let k = 0; k < o.length; k++) {
    const id = o[k]!;
    if (present[id] === 0) {
      present[id] = 1;
      hits.seen[hits.seenCount++] = id;
    }
    if (hits.wanted[id] === 0) continue;
    const start = i + 1 - a.lengths[id]!;
    if (start >= lo && start < hi) into.add(id, start);
  }
}

/** Insertion sort of hits[first, length) by start (stable: runs in order of their end stay so). */
export function sortHitsFrom(hits: Hits, first: number): void {
  const ids = hits.ids;
  const starts = hits.starts;
  for (let i = first + 1; i < hits.length; i++) {
    const st = starts[i]!;
    if (st >= starts[i - 1]!) continue;
    const id = ids[i]!;
    let j = i - 1;
    while (j >= first && starts[j]! > st) {
      starts[j + 1] = starts[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    starts[j + 1] = st;
    ids[j + 1] = id;
  }
}

/**
 * Byte offsets of hits[first, length) (in order of where they start) into UTF-16 offsets:
 * each multi-byte sequence before a hit stands for fewer units than bytes (2 bytes: 1 unit,
 * 3 bytes: 1, 4 bytes: a surrogate pair, 2). A hit starts on an ASCII byte, so every
 * sequence before it is whole.
 */
function charOffsets(bytes: Uint8Array, hits: Hits, first: number): void {
  const starts = hits.starts;
  // Four bytes at a time where the buffer allows it: a word with no byte ≥ 0x80 is ASCII
  // (source text is mostly ASCII, so most words are passed over in one step).
  const words = bytes.byteOffset % 4 === 0 ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2) : null;
  let p = 0;
  let extra = 0;
  for (let h = first; h < hits.length; h++) {
    const at = starts[h]!;
    while (p < at) {
      if (words !== null && (p & 3) === 0 && p + 4 <= at && (words[p >> 2]! & 0x80808080) === 0) p += 4;
      else extra += lead(bytes[p++]!);
    }
    starts[h] = at - extra;
  }
}

/** UTF-16 units fewer than UTF-8 bytes that a sequence beginning with byte b accounts for (0 for any other byte). */
function lead(b: number): number {
  return b >= 0xc0 ? (b >= 0xe0 ? 2 : 1) : 0;
}
