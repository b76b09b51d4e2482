/**
 * What the character before a match can be, read off the look-behinds of a regex, for a
 * match that begins with a given start literal: the anchored scan's check before a sticky
 * regex call, one table lookup ("token" in `auth_token` cannot begin "my token is …", whose
 * look-behinds want a blank before the word; `MT` inside a word cannot begin a Discord token).
 *
 * Reading: the regex is walked forward over the literal's characters (each path keeps the
 * set of characters its look-behinds allow before the match, intersected along the path and
 * joined over paths). A look-behind met while still inside the literal is read backwards
 * over the literal's characters already passed, and then says which characters may come
 * first leftwards: those are the characters allowed before the match. A negative
 * look-behind of one character class right at the start rules that class out. Everything
 * else (look-behinds past the literal, longer negative look-behinds, look-aheads, \b)
 * constrains nothing. Conservative like first-chars.ts: letters count in both cases under
 * the i flag, non-ASCII characters are allowed whenever a letter or any non-ASCII one is,
 * and a match at the text's start is never ruled out (the caller tries it).
 */

import { ANY_BEFORE, charsAfter, derive, nullable, type FirstChars } from './first-chars.js';
import { none, parse, type CharSet, type Node } from './regex-tree.js';

/** Four 32-bit words for ASCII codes (bit c), a fifth whose bit 0 stands for every non-ASCII character. */
export type BeforeBits = Int32Array;

/**
 * The characters allowed right before a match of `re` that begins with `literal` (matched
 * ASCII case-insensitively, as the keyword automaton finds start literals), or null when
 * every character is (nothing constrained, or the source not understood).
 */
export function charsBefore(re: RegExp, literal: string): BeforeBits | null {
  if (!re.source.includes('(?<')) return null; // no look-behind (a named group too, then read on)
  const tree = parse(re);
  if (tree === null) return null;
  const lit: Array<[number, number]> = [];
  for (const ch of literal) {
    const lo = ch.toLowerCase().charCodeAt(0);
    const up = ch.toUpperCase().charCodeAt(0);
    if (lo >= 128 || up >= 128) return null;
    lit.push([lo, up]);
  }
  const walk = new Walk(lit, re.ignoreCase);
  const start: State = new Array<CharSet | null>(lit.length + 2).fill(null);
  start[0] = full();
  let allowed = none();
  for (const s of walk.run(tree, start)) if (s !== null) allowed = union(allowed, s);
  if (re.ignoreCase) {
    for (let c = 65; c <= 90; c++) if (allowed.ascii[c] || allowed.ascii[c + 32]) allowed.ascii[c] = allowed.ascii[c + 32] = 1;
  }
  // A non-ASCII character may fold to an ASCII letter under the i flag (K, the Kelvin sign, with u).
  for (let c = 65; c <= 122; c++) if (allowed.ascii[c] && (c <= 90 || c >= 97)) allowed.wide = true;
  let count = allowed.wide ? 1 : 0;
  const bits = new Int32Array(5);
  for (let c = 0; c < 128; c++) {
    if (allowed.ascii[c]) {
      bits[c >> 5]! |= 1 << (c & 31);
      count++;
    }
  }
  if (allowed.wide) bits[4] = 1;
  return count === 129 ? null : bits;
}

/**
 * Per offset into the literal (0 … n; n + 1: past it), the characters the look-behinds met
 * on the way allow before the match, or null: no path reaches that offset.
 */
type State = Array<CharSet | null>;

class Walk {
  private readonly past: number;
  constructor(
    private readonly lit: ReadonlyArray<[number, number]>,
    private readonly ignoreCase: boolean,
  ) {
    this.past = lit.length + 1;
  }

  run(n: Node, st: State): State {
    // Only paths past the literal: nothing after can constrain them (kept as they are, which
    // admits more, never less), so the rest of the pattern is not walked.
    let inside = false;
    for (let j = 0; j < this.past; j++) if (st[j]) inside = true;
    if (!inside) return st;
    switch (n.k) {
      case 'empty':
        return st;
      case 'fail':
        return st.map(() => null);
      case 'char': {
        const out: State = st.map(() => null);
        for (let j = 0; j < this.past; j++) {
          const a = st[j];
          if (a === null || a === undefined) continue;
          if (j === this.lit.length) out[this.past] = join(out[this.past]!, a);
          else if (this.reads(n.set, j)) out[j + 1] = join(out[j + 1]!, a);
        }
        if (st[this.past]) out[this.past] = join(out[this.past]!, st[this.past]!);
        return out;
      }
      case 'wild': {
        const out: State = st.map(() => null);
        let acc: CharSet | null = null;
        for (let j = 0; j <= this.past; j++) {
          if (st[j]) acc = join(acc, st[j]!);
          out[j] = acc;
        }
        return out;
      }
      case 'seq':
        return this.run(n.tail, this.run(n.head, st));
      case 'alt': {
        let out: State = st.map(() => null);
        for (const item of n.items) out = joinStates(out, this.run(item, st));
        return out;
      }
      case 'rep': {
        let cur = st;
        for (let i = 0; i < n.min; i++) cur = this.run(n.node, cur);
        let out = cur;
        for (let i = n.min; i < n.max; i++) {
          const more = joinStates(out, this.run(n.node, out));
          if (sameStates(more, out)) break; // a fixed point: more repeats add nothing
          out = more;
        }
        return out;
      }
      case 'behind': {
        const out: State = st.map(() => null);
        for (let j = 0; j <= this.past; j++) {
          const a = st[j];
          if (a === null || a === undefined) continue;
          const c = j === this.past ? null : this.lookBehind(n.neg, n.node, j);
          out[j] = c === null ? a : meet(a, c);
        }
        return out;
      }
    }
  }

  /** Whether a character of `set` may be the literal's character j (in the case the text has it). */
  private reads(set: CharSet, j: number): boolean {
    const [lo, up] = this.lit[j]!;
    return set.ascii[lo] === 1 || set.ascii[up] === 1 || (this.ignoreCase && (set.ascii[lo ^ 32] === 1 || set.ascii[up ^ 32] === 1 || set.wide));
  }

  /**
   * What a look-behind met at offset j of the literal allows before the match (null:
   * anything). The characters it reads back to the match's start are the literal's.
   */
  private lookBehind(neg: boolean, body: Node, j: number): CharSet | null {
    if (neg) {
      if (body.k !== 'char') return null;
      if (j === 0) return this.outside(body.set);
      // The character before offset j is the literal's: the look-behind fails when it is in the class in either case.
      const [lo, up] = this.lit[j - 1]!;
      const letter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
      const inside = (c: number) => body.set.ascii[c] === 1 || (this.ignoreCase && letter(c) && body.set.ascii[c ^ 32] === 1);
      return inside(lo) && inside(up) ? none() : null;
    }
    let r = reversed.get(body);
    if (r === undefined) reversed.set(body, (r = reverse(body)));
    for (let i = j - 1; i >= 0; i--) r = derive(r, this.lit[i]![0], this.lit[i]![1], this.ignoreCase);
    const first = firstSet(r);
    const empty = nullable(r) ? this.atStart(r) : none();
    return first === null || empty === null ? null : union(first, empty);
  }

  /** The characters a one-class negative look-behind at the match's start leaves (both cases ruled out under i). */
  private outside(set: CharSet): CharSet {
    const out = none();
    for (let c = 0; c < 128; c++) {
      const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
      out.ascii[c] = set.ascii[c] === 1 || (this.ignoreCase && letter && set.ascii[c ^ 32] === 1) ? 0 : 1;
    }
    out.wide = true;
    return out;
  }

  /**
   * What the rest of a look-behind (read leftwards) allows before the match where it
   * matches nothing more: its nested one-class look-behinds there (null: anything).
   */
  private atStart(n: Node): CharSet | null {
    switch (n.k) {
      case 'empty':
      case 'wild':
        return null;
      case 'char':
      case 'fail':
        return none();
      case 'seq': {
        const a = this.atStart(n.head);
        const b = this.atStart(n.tail);
        return a === null ? b : b === null ? a : meet(a, b);
      }
      case 'alt': {
        let out: CharSet | null = none();
        for (const item of n.items) {
          const a = this.atStart(item);
          if (a === null) return null;
          out = union(out, a);
        }
        return out;
      }
      case 'rep':
        return n.min === 0 ? null : this.atStart(n.node);
      case 'behind':
        if (n.node.k !== 'char') return null;
        return n.neg ? this.outside(n.node.set) : { ascii: n.node.set.ascii.slice(), wide: true };
    }
  }
}

/** The characters a tree (read leftwards) may read first, or null: any. */
function firstSet(n: Node): CharSet | null {
  switch (n.k) {
    case 'char':
      return n.set;
    case 'wild':
      return null;
    case 'empty':
    case 'fail':
    case 'behind':
      return none();
    case 'seq': {
      const a = firstSet(n.head);
      if (a === null || !nullable(n.head)) return a;
      const b = firstSet(n.tail);
      return b === null ? null : union(a, b);
    }
    case 'alt': {
      let out = none();
      for (const item of n.items) {
        const a = firstSet(item);
        if (a === null) return null;
        out = union(out, a);
      }
      return out;
    }
    case 'rep':
      return n.max >= 1 ? firstSet(n.node) : none();
  }
}

/** Look-behind bodies reversed, kept: derivatives and `nullable` remember results by node. */
const reversed = new WeakMap<Node, Node>();

/** The same strings read right to left (look-behinds nested inside keep their place between characters). */
function reverse(n: Node): Node {
  switch (n.k) {
    case 'seq': {
      const items: Node[] = [];
      let cur: Node = n;
      while (cur.k === 'seq') {
        items.push(cur.head);
        cur = cur.tail;
      }
      items.push(cur);
      let out = reverse(items[0]!);
      for (let k = 1; k < items.length; k++) out = { k: 'seq', head: reverse(items[k]!), tail: out };
      return out;
    }
    case 'alt':
      return { k: 'alt', items: n.items.map(reverse) };
    case 'rep':
      return { k: 'rep', min: n.min, max: n.max, node: reverse(n.node) };
    default:
      return n;
  }
}

const full = (): CharSet => ({ ascii: new Uint8Array(128).fill(1), wide: true });

function union(a: CharSet, b: CharSet): CharSet {
  const out = none();
  for (let c = 0; c < 128; c++) out.ascii[c] = a.ascii[c]! | b.ascii[c]!;
  out.wide = a.wide || b.wide;
  return out;
}

function meet(a: CharSet, b: CharSet): CharSet {
  const out = none();
  for (let c = 0; c < 128; c++) out.ascii[c] = a.ascii[c]! & b.ascii[c]!;
  out.wide = a.wide && b.wide;
  return out;
}

function join(a: CharSet | null, b: CharSet): CharSet {
  return a === null ? b : union(a, b);
}

function joinStates(a: State, b: State): State {
  return a.map((x, j) => (b[j] ? join(x, b[j]!) : x));
}

function sameStates(a: State, b: State): boolean {
  for (let j = 0; j < a.length; j++) {
    const x = a[j];
    const y = b[j];
    if (!x || !y) {
      if (x !== y && (x || y)) return false;
      continue;
    }
    if (x.wide !== y.wide) return false;
    for (let c = 0; c < 128; c++) if (x.ascii[c] !== y.ascii[c]) return false;
  }
  return true;
}

/**
 * The checks around a start literal of `re`: what may follow it (as charsAfter) and what may
 * come right before it (charsBefore, in `before`; `skip` is the literal's length), or null
 * when neither constrains anything.
 */
export function literalChecks(re: RegExp, literal: string): FirstChars | null {
  const after = charsAfter(re, literal);
  const before = charsBefore(re, literal);
  if (after === null && before === null) return null;
  return { bits: after?.bits ?? NO_BITS, from: after?.from ?? 0, to: after?.to ?? 0, before: before ?? ANY_BEFORE, skip: literal.length };
}

const NO_BITS = new Int32Array(0);
