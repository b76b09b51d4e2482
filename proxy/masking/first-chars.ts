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
}

/** A set of characters: ASCII bitmap and a non-ASCII flag. */
interface CharSet {
  ascii: Uint8Array;
  wide: boolean;
}

type Node =
  | { k: 'char'; set: CharSet }
  /** `head` then `tail` (a sequence is a chain of these, so derivatives share their tails). */
  | { k: 'seq'; head: Node; tail: Node }
  | { k: 'alt'; items: Node[] }
  | { k: 'rep'; min: number; max: number; node: Node }
  | { k: 'empty' }
  /** Matches nothing. */
  | { k: 'fail' }
  /** Anything at all from here: unknown constructs, back references. */
  | { k: 'wild' };

class Unsupported extends Error {}

/** One node per ASCII literal character (sets are never changed once made). */
const ASCII_LITERALS: Node[] = [];
function single(code: number): CharSet {
  const s = none();
  s.ascii[code] = 1;
  return s;
}

const all = (): CharSet => ({ ascii: new Uint8Array(128).fill(1), wide: true });
const none = (): CharSet => ({ ascii: new Uint8Array(128), wide: false });

function addRange(s: CharSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi; c++) {
    if (c < 128) s.ascii[c] = 1;
    else {
      s.wide = true;
      break;
    }
  }
}

function escapeClass(e: string): CharSet | null {
  const s = none();
  switch (e) {
    case 'd':
      addRange(s, 48, 57);
      return s;
    case 'w':
      addRange(s, 48, 57);
      addRange(s, 65, 90);
      addRange(s, 97, 122);
      s.ascii[95] = 1;
      return s;
    case 's':
      for (const c of [9, 10, 11, 12, 13, 32]) s.ascii[c] = 1;
      s.wide = true;
      return s;
    case 'D':
    case 'W':
    case 'S': {
      const pos = escapeClass(e.toLowerCase())!;
      const out = none();
      for (let c = 0; c < 128; c++) out.ascii[c] = pos.ascii[c] ? 0 : 1;
      out.wide = true;
      return out;
    }
  }
  return null;
}

const CONTROL: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, '0': 0 };

class Parser {
  i = 0;
  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
  ) {}

  parse(): Node {
    const n = this.disjunction();
    if (this.i !== this.src.length) throw new Unsupported('unbalanced');
    return n;
  }

  private disjunction(): Node {
    const items: Node[] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      items.push(this.sequence());
    }
    return items.length === 1 ? items[0]! : { k: 'alt', items };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    let out: Node = EMPTY;
    for (let k = items.length - 1; k >= 0; k--) out = seq(items[k]!, out);
    return out;
  }

  private atom(): Node {
    const c = this.src[this.i]!;
    if (c === '(') {
      const rest = this.src.slice(this.i, this.i + 4);
      let zeroWidth = false;
      if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
        this.i += 3;
        zeroWidth = true;
      } else if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
        this.i += 4;
        zeroWidth = true;
      } else if (rest.startsWith('(?:')) this.i += 3;
      else if (rest.startsWith('(?<')) {
        const named = /^\(\?<[A-Za-z_$][\w$]*>/.exec(this.src.slice(this.i));
        if (!named) throw new Unsupported('group');
        this.i += named[0].length;
      } else if (rest.startsWith('(?')) throw new Unsupported('modifier group');
      else this.i++;
      const inner = this.disjunction();
      if (this.src[this.i] !== ')') throw new Unsupported('group end');
      this.i++;
      return zeroWidth ? { k: 'empty' } : inner;
    }
    if (c === '^' || c === '$') {
      this.i++;
      return { k: 'empty' };
    }
    if (c === '.') {
      this.i++;
      return { k: 'char', set: all() };
    }
    if (c === '[') return { k: 'char', set: this.charClass() };
    if (c === '\\') return this.escape();
    if (c === '*' || c === '+' || c === '?' || c === '{' || c === ')' || c === ']' || c === '}') {
      // A lone `{`, `]` or `}` is a literal outside unicode mode; anything else is not understood.
      if (!this.unicode && (c === '{' || c === ']' || c === '}') && !(c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i)))) {
        this.i++;
        return this.literal(c.charCodeAt(0));
      }
      throw new Unsupported(`stray ${c}`);
    }
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return this.literal(cp);
  }

  private literal(code: number): Node {
    return code < 128 ? (ASCII_LITERALS[code] ??= { k: 'char', set: single(code) }) : { k: 'char', set: { ascii: new Uint8Array(128), wide: true } };
  }

  /** One escape outside a class. */
  private escape(): Node {
    const e = this.src[this.i + 1];
    if (e === undefined) throw new Unsupported('trailing \\');
    if (e === 'b' || e === 'B') {
      this.i += 2;
      return { k: 'empty' };
    }
    if (e === 'k' || (e >= '1' && e <= '9')) {
      // A back reference: its text is not known here.
      this.i += 2;
      if (e === 'k') {
        const end = this.src.indexOf('>', this.i);
        if (this.src[this.i] !== '<' || end < 0) throw new Unsupported('\\k');
        this.i = end + 1;
      } else while (/[0-9]/.test(this.src[this.i] ?? '')) this.i++;
      return { k: 'wild' };
    }
    const set = this.escapeInClass();
    return { k: 'char', set };
  }

  /** An escape as one character set (inside or outside a class); advances past it. */
  private escapeInClass(): CharSet {
    const e = this.src[this.i + 1]!;
    const cls = escapeClass(e);
    if (cls) {
      this.i += 2;
      return cls;
    }
    const s = none();
    const code = this.escapeCode();
    if (code < 128) s.ascii[code] = 1;
    else s.wide = true;
    return s;
  }

  /** The code of a single-character escape at this.i (`\x41`, `\n`, `\.`); advances past it. */
  private escapeCode(): number {
    const e = this.src[this.i + 1]!;
    if (e in CONTROL && !(e === '0' && /[0-9]/.test(this.src[this.i + 2] ?? ''))) {
      this.i += 2;
      return CONTROL[e]!;
    }
    if (e === 'x') {
      const h = this.src.slice(this.i + 2, this.i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Unsupported('\\x');
      this.i += 4;
      return parseInt(h, 16);
    }
    if (e === 'u') {
      const h = this.src.slice(this.i + 2, this.i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new Unsupported('\\u');
      this.i += 6;
      return parseInt(h, 16);
    }
    if (/[A-Za-z0-9]/.test(e)) throw new Unsupported(`\\${e}`); // \c, \p and the like
    this.i += 2;
    return e.charCodeAt(0);
  }

  private charClass(): CharSet {
    this.i++; // '['
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const s = none();
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      let lo: number;
      if (this.src[this.i] === '\\') {
        const e = this.src[this.i + 1]!;
        if (e === 'b') {
          // \b in a class is a backspace.
          this.i += 2;
          lo = 8;
        } else if (escapeClass(e)) {
          const cls = this.escapeInClass();
          for (let c = 0; c < 128; c++) if (cls.ascii[c]) s.ascii[c] = 1;
          if (cls.wide) s.wide = true;
          continue;
        } else lo = this.escapeCode();
      } else {
        lo = this.src.codePointAt(this.i)!;
        this.i += lo > 0xffff ? 2 : 1;
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        let hi: number;
        if (this.src[this.i] === '\\') {
          if (escapeClass(this.src[this.i + 1]!)) throw new Unsupported('class range');
          hi = this.src[this.i + 1] === 'b' ? ((this.i += 2), 8) : this.escapeCode();
        } else {
          hi = this.src.codePointAt(this.i)!;
          this.i += hi > 0xffff ? 2 : 1;
        }
        if (hi < lo) throw new Unsupported('range');
        addRange(s, lo, hi);
      } else addRange(s, lo, lo);
    }
    if (this.src[this.i] !== ']') throw new Unsupported('class end');
    this.i++;
    if (!negated) return s;
    const out = none();
    for (let c = 0; c < 128; c++) out.ascii[c] = s.ascii[c] ? 0 : 1;
    out.wide = true;
    return out;
  }

  private quantified(atom: Node): Node {
    const c = this.src[this.i];
    let min = 1;
    let max = 1;
    if (c === '?' || c === '*' || c === '+') {
      this.i++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Infinity;
    } else if (c === '{') {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else return atom;
    if (this.src[this.i] === '?') this.i++; // lazy: the same strings
    if (atom.k === 'empty') return atom;
    return { k: 'rep', min, max, node: atom };
  }
}

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

/** Parsed sources by regex (a detector's tree is derived once per start literal). */
const trees = new WeakMap<RegExp, Node | null>();

function parse(re: RegExp): Node | null {
  let tree = trees.get(re);
  if (tree !== undefined) return tree;
  try {
    tree = new Parser(re.source, re.unicode).parse();
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    tree = null;
  }
  trees.set(re, tree);
  return tree;
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

const EMPTY: Node = { k: 'empty' };
const FAIL: Node = { k: 'fail' };

const nullables = new WeakMap<Node, boolean>();

function nullable(n: Node): boolean {
  let v = nullables.get(n);
  if (v === undefined) nullables.set(n, (v = nullableNow(n)));
  return v;
}

function nullableNow(n: Node): boolean {
  switch (n.k) {
    case 'empty':
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

function seq(head: Node, tail: Node): Node {
  if (head.k === 'fail' || tail.k === 'fail') return FAIL;
  if (head.k === 'empty') return tail;
  if (tail.k === 'empty') return head;
  return { k: 'seq', head, tail };
}

function alt(items: Node[]): Node {
  const kept = items.filter((x) => x.k !== 'fail');
  return kept.length === 0 ? FAIL : kept.length === 1 ? kept[0]! : { k: 'alt', items: kept };
}

/**
 * The derivative: what may follow in a match whose first character is `lo` or `up` (the two
 * cases of one ASCII character). Zero-width items match nothing once a character is read
 * (they were passed over: a weaker condition, never a stronger one).
 */
function derive(n: Node, lo: number, up: number, ignoreCase: boolean, memo = new Map<Node, Node>()): Node {
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
  return from < 0 ? null : { bits, from, to };
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
