/**
 * What the first few characters of any match of a regex can be, position by position, read
 * off the regex source: a cheap pre-check before a sticky regex call. The anchored scan tries
 * a detector's regex wherever one of its start literals occurs ("key" in `keyof`, "api" in
 * `capitalize`), and most of those calls fail; the regex call itself (the engine's entry and
 * exit) costs far more than looking at a few characters. When the character at some offset
 * cannot be any match's character there, the call is skipped: it could only have failed.
 *
 * Conservative by construction: every construct not understood counts as "any character,
 * any length" from there on; look-arounds, \b, ^ and $ consume nothing and are passed over
 * (a weaker condition than the regex's own); a match that may end before an offset leaves
 * that offset unconstrained; a case-insensitive letter, a negated class and the classes
 * \s \S \w \W \d \D admit every non-ASCII character. A test checks, over corpora and
 * generated text, that the check passes wherever the regex matches.
 */

import { EMPTY, FAIL, all, alt, none, parse, seq, type CharSet, type Node } from './regex-tree.js';

/** How many leading offsets are described. */
export const FIRST_CHARS = 8;

/** Per offset, the characters allowed there. */
export interface FirstChars {
  /**
   * Five 32-bit words per offset: bit c of the first four for ASCII code c, bit 0 of the
   * fifth for every non-ASCII character (160 bytes in all: a few cache lines per check).
   */
  readonly bits: Int32Array;
  /** Offsets [from, to) constrain something (the others allow every character). */
  readonly from: number;
  readonly to: number;
  /**
   * For a check after a start literal (literalChecks, chars-before.ts): the characters
   * allowed right before the literal (chars-before.ts's BeforeBits; ANY_BEFORE when
   * unconstrained) and the literal's length. Elsewhere ANY_BEFORE and 0.
   */
  readonly before: Int32Array;
  readonly skip: number;
}

/** Every character allowed before. */
export const ANY_BEFORE: Int32Array = Int32Array.of(-1, -1, -1, -1, 1);

/** The offset bit for "at or past FIRST_CHARS". */
const PAST = 1 << FIRST_CHARS;

/**
 * The flow: from a set of offsets where a node may start (bit o for offset o < FIRST_CHARS,
 * bit FIRST_CHARS for "at or past the end of the described offsets"), the offsets where it
 * may end; the characters it may read at each described offset are added to `sets`.
 */
class Flow {
  readonly sets: CharSet[] = Array.from({ length: FIRST_CHARS }, none);
  /** Results by node and start offsets (a node's contributions depend on nothing else, so one run each is enough). */
  private readonly memo = new Map<Node, Map<number, number>>();
  constructor(private readonly ignoreCase: boolean) {}

  run(n: Node, at: number): number {
    // Nothing to add past the described offsets: there a node ends past them too, if at all.
    if (at === 0 || at === PAST) return at;
    let m = this.memo.get(n);
    if (m === undefined) this.memo.set(n, (m = new Map()));
    let out = m.get(at);
    if (out === undefined) {
      out = this.step(n, at);
      m.set(at, out);
    }
    return out;
  }

  private step(n: Node, at: number): number {
    switch (n.k) {
      case 'empty':
      case 'behind':
        return at;
      case 'fail':
        return 0;
      case 'char': {
        let out = 0;
        for (let o = 0; o <= FIRST_CHARS; o++) {
          if (!(at & (1 << o))) continue;
          if (o < FIRST_CHARS) this.add(o, n.set);
          out |= 1 << Math.min(o + 1, FIRST_CHARS);
        }
        return out;
      }
      case 'wild': {
        // Any string: every offset from the earliest start on reads anything and may end there.
        let out = 0;
        let started = false;
        for (let o = 0; o <= FIRST_CHARS; o++) {
          if (at & (1 << o)) started = true;
          if (!started) continue;
          if (o < FIRST_CHARS) this.add(o, all());
          out |= 1 << o;
        }
        return out;
      }
      case 'seq':
        return this.run(n.tail, this.run(n.head, at));
      case 'alt': {
        let out = 0;
        for (const item of n.items) out |= this.run(item, at);
        return out;
      }
      case 'rep': {
        let cur = at;
        for (let i = 0; i < n.min; i++) {
          cur = this.run(n.node, cur);
          if (cur === 0) return 0;
          if (cur === PAST) break; // past the described offsets: nothing changes
        }
        let out = cur;
        for (let i = n.min; i < n.max; i++) {
          cur = this.run(n.node, cur);
          if ((cur & ~out) === 0) break; // nothing new: a fixed point
          out |= cur;
        }
        return out;
      }
    }
  }

  private add(o: number, s: CharSet): void {
    const t = this.sets[o]!;
    for (let c = 0; c < 128; c++) {
      if (!s.ascii[c]) continue;
      t.ascii[c] = 1;
      if (this.ignoreCase && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
        t.ascii[c ^ 32] = 1;
        t.wide = true; // case folding may reach beyond ASCII
      }
    }
    if (s.wide) {
      t.wide = true;
      // A non-ASCII character may fold to an ASCII letter (K, the Kelvin sign, is k with the u flag).
      if (this.ignoreCase) for (let c = 65; c <= 122; c++) if (c <= 90 || c >= 97) t.ascii[c] = 1;
    }
  }
}

/**
 * What any match of `re` (sticky, from where it is tried) can have at each of its first
 * FIRST_CHARS offsets, or null when nothing is constrained or the source is not understood.
 */
export function firstChars(re: RegExp): FirstChars | null {
  const tree = parse(re);
  return tree && describe(tree, re.ignoreCase);
}

/**
 * firstChars of what follows `literal` in a match of `re` that begins with it (compared
 * ASCII case-insensitively, as the keyword automaton finds start literals): offset 0 is the
 * character after the literal. Null when nothing is constrained or not understood.
 */
export function charsAfter(re: RegExp, literal: string): FirstChars | null {
  let tree = parse(re);
  if (tree === null) return null;
  for (const ch of literal) {
    const lo = ch.toLowerCase().charCodeAt(0);
    const up = ch.toUpperCase().charCodeAt(0);
    if (lo >= 128 || up >= 128) return null;
    tree = derive(tree, lo, up, re.ignoreCase);
  }
  return describe(tree, re.ignoreCase);
}

const nullables = new WeakMap<Node, boolean>();

/** Whether `n` may match the empty string (zero-width items pass). */
export function nullable(n: Node): boolean {
  let v = nullables.get(n);
  if (v === undefined) nullables.set(n, (v = nullableNow(n)));
  return v;
}

function nullableNow(n: Node): boolean {
  switch (n.k) {
    case 'empty':
    case 'behind':
    case 'wild':
      return true;
    case 'fail':
    case 'char':
      return false;
    case 'seq':
      return nullable(n.head) && nullable(n.tail);
    case 'alt':
      return n.items.some(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.node);
  }
}

/**
 * The derivative: what may follow in a match whose first character is `lo` or `up` (the two
 * cases of one ASCII character). Zero-width items match nothing once a character is read
 * (they were passed over: a weaker condition, never a stronger one).
 */
export function derive(n: Node, lo: number, up: number, ignoreCase: boolean, memo = new Map<Node, Node>()): Node {
  let d = memo.get(n);
  if (d === undefined) {
    d = deriveNow(n, lo, up, ignoreCase, memo);
    memo.set(n, d);
  }
  return d;
}

function deriveNow(n: Node, lo: number, up: number, ignoreCase: boolean, memo: Map<Node, Node>): Node {
  switch (n.k) {
    case 'empty':
    case 'behind':
    case 'fail':
      return FAIL;
    case 'wild':
      return n;
    case 'char': {
      const s = n.set;
      const hit = s.ascii[lo] === 1 || s.ascii[up] === 1 || (ignoreCase && (s.ascii[lo ^ 32] === 1 || s.ascii[up ^ 32] === 1 || s.wide));
      return hit ? EMPTY : FAIL;
    }
    case 'seq': {
      const first = seq(derive(n.head, lo, up, ignoreCase, memo), n.tail);
      return nullable(n.head) ? alt([first, derive(n.tail, lo, up, ignoreCase, memo)]) : first;
    }
    case 'alt':
      return alt(n.items.map((x) => derive(x, lo, up, ignoreCase, memo)));
    case 'rep': {
      if (n.max < 1) return FAIL;
      const more: Node = n.max - 1 < 1 ? EMPTY : { k: 'rep', min: Math.max(n.min - 1, 0), max: n.max - 1, node: n.node };
      return seq(derive(n.node, lo, up, ignoreCase, memo), more);
    }
  }
}

function describe(tree: Node, ignoreCase: boolean): FirstChars | null {
  const flow = new Flow(ignoreCase);
  const ends = flow.run(tree, 1);
  const bits = new Int32Array(FIRST_CHARS * WORDS);
  let from = -1;
  let to = 0;
  for (let o = 0; o < FIRST_CHARS; o++) {
    // A match that may end at or before o leaves offset o (and every later one) unconstrained.
    let free = false;
    for (let e = 0; e <= o; e++) if (ends & (1 << e)) free = true;
    const s = flow.sets[o]!;
    let allowed = s.wide ? 1 : 0;
    for (let c = 0; c <= 128; c++) {
      const v = free || (c < 128 ? s.ascii[c] === 1 : s.wide);
      if (v) bits[o * WORDS + (c >> 5)]! |= 1 << (c & 31);
      if (c < 128 && v) allowed++;
    }
    if (!free && allowed < 129) {
      if (from < 0) from = o;
      to = o + 1;
    }
  }
  return from < 0 ? null : { bits, from, to, before: ANY_BEFORE, skip: 0 };
}

/** Words per offset in FirstChars.bits. */
const WORDS = 5;

/** Whether text at `at` can begin a match, as far as fc tells (offsets past the text's end pass). */
export function mayStartAt(fc: FirstChars, text: string, at: number, from = fc.from): boolean {
  const end = Math.min(fc.to, text.length - at);
  const bits = fc.bits;
  for (let o = from; o < end; o++) {
    const c = text.charCodeAt(at + o);
    const k = c < 128 ? c : 128;
    if ((bits[o * WORDS + (k >> 5)]! & (1 << (k & 31))) === 0) return false;
  }
  return true;
}

/**
 * One search's checks before its regex calls: for a search anchored at start literals, by
 * keyword id (worked out at a literal's first hit: a few hundred literals, not all at start-up;
 * null: anything may follow); for one whose matches begin with one character, [0].
 */
export type AfterChecks = Array<FirstChars | null | undefined>;

/** The checks of a search anchored at `literals` keyword ids (null: not anchored) or starting with `skipTo`. */
export function afterChecks(re: RegExp, literals: number | null, skipTo: string | null): AfterChecks {
  if (literals !== null) return new Array<FirstChars | null | undefined>(literals).fill(undefined);
  return [skipTo === null ? null : charsAfter(re, skipTo)];
}

/** Whether a match of `re` may begin with `literal` (keyword `id`) at `at`, as far as the characters after it tell. */
export function literalMayStart(after: AfterChecks, id: number, re: RegExp, literal: string, text: string, at: number): boolean {
  let fc = after[id];
  if (fc === undefined) fc = after[id] = charsAfter(re, literal);
  return fc === null || mayStartAt(fc, text, at + literal.length);
}

/**
 * The first occurrence of `ch` at or after `from` where what follows may continue a match
 * (`fc`, the check after ch; null: anywhere), or -1: a match of a regex whose every match
 * begins with ch can begin nowhere before it.
 */
export function nextStart(text: string, ch: string, fc: FirstChars | null, from: number): number {
  let p = text.indexOf(ch, from);
  while (p >= 0 && fc !== null && !mayStartAt(fc, text, p + 1)) p = text.indexOf(ch, p + 1);
  return p;
}
