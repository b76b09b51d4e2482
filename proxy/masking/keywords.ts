/**
 * Finding which detector keywords occur in a text, in one pass: an Aho–Corasick automaton
 * compiled to a dense ASCII transition table (case-folded), so the cost is one array
 * lookup per character. It also tells which keywords are partially present at the very
 * end of the text ("…secr" for "secret"): in a stream, those may still complete.
 * (A regex alternation of ~200 literals was slower than all detectors together.)
 */
import { type ByteAutomaton, Pairs, scanBytes, SCAN_BYTES_FROM, sortHitsFrom, Utf8Scratch } from './byte-scan.js';

const ALPHA = 128;

/** Occurrences of chosen keywords: (keyword id, start) pairs in order of their end. */
export class Hits extends Pairs {
  /** Keyword ids in the order they were first seen (each once): seen[0, seenCount). A typed array with a count, since emptying an array (length = 0) costs a runtime call per scan. */
  readonly seen: Int32Array;
  seenCount = 0;
  constructor(readonly wanted: Uint8Array) {
    super(64);
    this.seen = new Int32Array(wanted.length);
  }

  reset(): void {
    this.length = 0;
    this.seenCount = 0;
  }
}

export class KeywordIndex {
  readonly keywords: string[];
  /**
   * The hot table: (state × width + class) → next state × width, bit-inverted when it has
   * outputs; then, from `classesAt`, cls's 128 entries again (read by keyword-carry.ts too).
   */
  readonly delta: Int32Array;
  /** Where the copy of cls in `delta` begins (the states' count × width). */
  readonly classesAt: number;
  /** Keyword ids that end at each state (own and via failure links). */
  readonly outputs: number[][];
  /** Keyword ids of which each state's string is a proper prefix (incl. shorter suffixes). */
  private readonly partial: number[][];
  private readonly ids = new Map<string, number>();
  /** Keyword lengths by id. */
  readonly lengths: Int32Array;
  /** Columns per state in the hot table. */
  readonly width: number;
  /** ASCII character → class (0: not in any keyword). */
  private readonly cls: Uint8Array;
  /** Per state: the length of its string, and its failure link (the longest proper suffix that is a state). */
  private readonly depth: Int32Array;
  private readonly fail: Int32Array;
  /** The byte-indexed table of occursInBytes (see byteTable), made when first needed. */
  private bytes: Int32Array | null = null;
  /** The longest keyword's length. */
  private readonly maxLength: number;
  /** What scanText reads, made at its first long text. */
  private automaton: ByteAutomaton | null = null;

  /** Whether a keyword can be looked for (non-empty ASCII); others are left out. */
  static accepts(keyword: string): boolean {
    return keyword.length > 0 && /^[\x00-\x7f]+$/.test(keyword);
  }

  constructor(keywords: Iterable<string>) {
    this.keywords = [...new Set([...keywords].map((k) => k.toLowerCase()).filter((k) => KeywordIndex.accepts(k)))];
    this.keywords.forEach((k, i) => this.ids.set(k, i));
    // Trie
    const goto: Array<Map<number, number>> = [new Map()];
    const out: number[][] = [[]];
    const below: number[][] = [[]];
    this.keywords.forEach((k, id) => {
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        below[s]!.push(id);
        const c = k.charCodeAt(i);
        let nxt = goto[s]!.get(c);
        if (nxt === undefined) {
          nxt = goto.length;
          goto.push(new Map());
          out.push([]);
          below.push([]);
          goto[s]!.set(c, nxt);
        }
        s = nxt;
      }
      out[s]!.push(id);
    });
    // BFS: failure links folded into a full transition table.
    const n = goto.length;
    const delta = new Int32Array(n * ALPHA);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    const depth = new Int32Array(n);
    for (let c = 0; c < ALPHA; c++) {
      const s = goto[0]!.get(c);
      delta[c] = s ?? 0;
      if (s !== undefined) {
        queue.push(s);
        depth[s] = 1;
      }
    }
    const partial: number[][] = below.map((b, s) => (s === 0 ? [] : [...b]));
    for (let q = 0; q < queue.length; q++) {
      const r = queue[q]!;
      out[r] = [...out[r]!, ...out[fail[r]!]!];
      partial[r] = [...new Set([...partial[r]!, ...partial[fail[r]!]!])];
      for (let c = 0; c < ALPHA; c++) {
        const s = goto[r]!.get(c);
        if (s === undefined) delta[r * ALPHA + c] = delta[fail[r]! * ALPHA + c]!;
        else {
          fail[s] = delta[fail[r]! * ALPHA + c]!;
          delta[r * ALPHA + c] = s;
          depth[s] = depth[r]! + 1;
          queue.push(s);
        }
      }
    }
    // The hot table is indexed by character class (the characters keywords use, case-folded,
    // plus one class for everything else), so it stays small enough for the CPU cache.
    // Entries are the next state times the class count (no multiply per character), bit-
    // inverted (negative) when that state has outputs.
    const used = [...new Set(this.keywords.join(''))].map((ch) => ch.charCodeAt(0)).sort((a, b) => a - b);
    const width = used.length + 1;
    const cls = new Uint8Array(ALPHA);
    used.forEach((c, k) => {
      cls[c] = k + 1;
      if (c >= 97 && c <= 122) cls[c - 32] = k + 1;
    });
    let other = 0;
    while (used.includes(other) || (other >= 65 && other <= 90)) other++; // a character in no keyword
    // After the rows, the class of each ASCII character again (cls), for walks that read both
    // from one array (keyword-carry.ts: one set of checks per character, not two).
    const hot = new Int32Array(n * width + ALPHA);
    for (let st = 0; st < n; st++) {
      for (let k = 0; k < width; k++) {
        const t = delta[st * ALPHA + (k === 0 ? other : used[k - 1]!)]!;
        hot[st * width + k] = out[t]!.length ? ~(t * width) : t * width;
      }
    }
    hot.set(cls, n * width);
    this.width = width;
    this.cls = cls;
    this.classesAt = n * width;
    this.delta = hot;
    this.outputs = out;
    this.partial = partial;
    this.depth = depth;
    this.fail = fail;
    this.lengths = Int32Array.from(this.keywords, (k) => k.length);
    this.maxLength = this.keywords.reduce((m, k) => Math.max(m, k.length), 0);
  }

  /**
   * Whether any keyword occurs in `text`: the same answer as "scan() marks something", but
   * read from the text's UTF-8 bytes and stopping at the first occurrence. See occursInBytes.
   */
  occursIn(text: string): boolean {
    // Short texts: the string walk, cheaper than a copy at this size.
    if (text.length < BYTES_FROM) return walkString(this.delta, this.cls, text);
    const bytes = scratch.room(text.length);
    return this.occursInBytes(bytes, 0, bytes.write(text, 0, 'utf8'));
  }

  /**
   * Whether any keyword occurs in bytes[from, to), read as UTF-8 text: the answer scan()
   * gives for the decoded text. Bytes ≥ 0x80 are all class 0 (no keyword has them), and one
   * class-0 step, or several, leads to the root from any state, so a non-ASCII character
   * read as its 2–4 bytes moves the automaton exactly as one "other" character does.
   *
   * Read with a table indexed by state and byte (byteTable: no class lookup per byte), in
   * four walks from the quarter points, interleaved. Each step's table load waits on the one
   * before (the next state is the loaded entry), so one walk costs a load latency per byte;
   * independent walks run those loads side by side. Each walk reads maxLength − 1 bytes past
   * the next walk's start, so an occurrence that begins in its stretch is read whole by it
   * (from the root): every occurrence is seen, and each walk reports only real ones.
   *
   * Nothing follows the loop but `return false`: V8 compiles a long loop on its first run
   * (on-stack replacement) and keeps reusing that code, and code after the loop compiled
   * without type feedback threw it back to the interpreter at every call.
   */
  occursInBytes(bytes: Uint8Array, from: number, to: number): boolean {
    const t = this.byteTable();
    const over = this.maxLength - 1;
    const q = (to - from) >> 2;
    if (q <= over) return walkBytes(t, bytes, from, to, 0);
    // Walks of q + over bytes from the quarter points; the last one starts early enough to
    // end at `to`. All four run in one loop, with nothing after it (see the note above).
    const len = q + over;
    const b1 = from + q;
    const b2 = from + 2 * q;
    const b3 = to - len;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let i = 0; i < len; i++) {
      const va = t[a + bytes[from + i]!]!;
      const vb = t[b + bytes[b1 + i]!]!;
      const vc = t[c + bytes[b2 + i]!]!;
      const vd = t[d + bytes[b3 + i]!]!;
      if ((va | vb | vc | vd) < 0) return true;
      a = va;
      b = vb;
      c = vc;
      d = vd;
    }
    return false;
  }

  /**
   * The automaton as a table indexed by state × 256 + byte (state in that form; bit-inverted
   * when the next state has outputs), made at the first byte check: 1.4 MB for the detectors'
   * keywords, of which a walk touches a few rows.
   */
  private byteTable(): Int32Array {
    if (this.bytes) return this.bytes;
    const states = this.depth.length;
    const w = this.width;
    const t = new Int32Array(states * 256);
    for (let st = 0; st < states; st++) {
      for (let byte = 0; byte < 256; byte++) {
        const v = this.delta[st * w + (byte < ALPHA ? this.cls[byte]! : 0)]!;
        t[st * 256 + byte] = v < 0 ? ~((~v / w) * 256) : (v / w) * 256;
      }
    }
    return (this.bytes = t);
  }

  id(keyword: string): number {
    return this.ids.get(keyword.toLowerCase()) ?? -1;
  }

  /**
   * Marks present keywords of text[from, to); returns the automaton state at `to`. With
   * `hits`, also records where each occurrence of a keyword flagged in `hits.wanted` starts,
   * and lists the keywords seen (present[] must then start all zero).
   */
  scan(text: string, present: Uint8Array, from = 0, to = text.length, hits?: Hits): number {
    // mark() called directly for each occurrence (no closure per scan: a sink's call site that
    // sees several sinks is not inlined).
    const delta = this.delta;
    const cls = this.cls;
    const outputs = this.outputs;
    const lengths = this.lengths;
    const width = this.width;
    let s = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      const v = delta[s + (c < ALPHA ? cls[c]! : 0)]!;
      if (v >= 0) s = v;
      else {
        s = ~v;
        const o = outputs[s / width]!;
        for (let k = 0; k < o.length; k++) mark(o[k]!, i + 1 - lengths[o[k]!]!, present, hits);
      }
    }
    return s / width;
  }

  /**
   * What scan(text, present, from, to, hits) marks and records, read from the text's UTF-8
   * bytes (byte-scan.ts; short stretches: the string walk): the same keywords present and
   * seen (listed in another order), the same hits in order of where they start, as
   * sortHitsByStart leaves scan()'s.
   */
  scanText(text: string, present: Uint8Array, from: number, to: number, hits: Hits): void {
    if (to - from < SCAN_BYTES_FROM) {
      const first = hits.length;
      this.scan(text, present, from, to, hits);
      sortHitsFrom(hits, first);
    } else scanBytes((this.automaton ??= { table: this.byteTable(), outputs: this.outputs, lengths: this.lengths, maxLength: this.maxLength }), text, from, to, present, hits);
  }

  /** The state a scan of only the last `len` characters would end in, given the state (hot-table form) a longer scan ended in; as a plain state number. */
  within(state: number, len: number): number {
    let s = state / this.width;
    while (this.depth[s]! > len) s = this.fail[s]!;
    return s;
  }

  /** Keywords that the text ending in `state` has begun but not finished. */
  partialAt(state: number): readonly number[] {
    return this.partial[state] ?? [];
  }

  get size(): number {
    return this.keywords.length;
  }
}

/** Texts at least this long are checked as UTF-8 bytes (occursIn). */
const BYTES_FROM = 64;

/** Reusable buffer for occursIn's and joinedUtf8's UTF-8 copies. */
const scratch = new Utf8Scratch();

/**
 * The UTF-8 bytes of texts.join('\n'), written to a reused buffer (valid until the next call
 * here or to occursIn): what an SSE run's event data is checked as, without building the
 * joined string first.
 */
export function joinedUtf8(texts: readonly string[]): Buffer {
  let chars = texts.length;
  for (const t of texts) chars += t.length;
  const bytes = scratch.room(chars);
  let n = 0;
  for (let k = 0; k < texts.length; k++) {
    if (k > 0) bytes[n++] = 0x0a;
    n += bytes.write(texts[k]!, n, 'utf8');
  }
  return bytes.subarray(0, n);
}

/** One automaton walk over a whole string from the root: whether an occurrence ends in it. */
function walkString(delta: Int32Array, cls: Uint8Array, text: string): boolean {
  let s = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = delta[s + (c < ALPHA ? cls[c]! : 0)]!;
    if (v < 0) return true;
    s = v;
  }
  return false;
}

/** One automaton walk over bytes[from, to) from `state` (byte-table form): whether an occurrence ends in it. */
function walkBytes(table: Int32Array, bytes: Uint8Array, from: number, to: number, state: number): boolean {
  let s = state;
  for (let i = from; i < to; i++) {
    const v = table[s + bytes[i]!]!;
    if (v < 0) return true;
    s = v;
  }
  return false;
}

/**
 * Automata shared by the plans of several detector lists (scan, hold-back, start literals):
 * a stream that reads each new character with one automaton, not one per plan. A plan for a
 * registered list takes the shared automaton when it holds every word the plan needs.
 */
const sharedIndexes = new WeakMap<object, KeywordIndex>();

/** Makes `index` the automaton of every plan built for the given lists from now on. */
export function shareIndex(lists: readonly object[], index: KeywordIndex): void {
  for (const l of lists) sharedIndexes.set(l, index);
}

/** The automaton for a plan of `list` that needs `words`: the shared one when it has them all, else a new one. */
export function indexFor(list: object, words: readonly string[]): KeywordIndex {
  const shared = sharedIndexes.get(list);
  if (shared && words.every((w) => shared.id(w) >= 0 || !KeywordIndex.accepts(w))) return shared;
  return new KeywordIndex(words);
}

/** Records one keyword occurrence as scan() does: present (and, with hits, first seen and where a wanted one starts). */
export function mark(id: number, start: number, present: Uint8Array, hits: Hits | undefined): void {
  if (hits === undefined) present[id] = 1;
  else {
    if (present[id] === 0) {
      present[id] = 1;
      hits.seen[hits.seenCount++] = id;
    }
    if (hits.wanted[id]) hits.add(id, start);
  }
}
