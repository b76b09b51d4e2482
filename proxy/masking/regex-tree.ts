/**
 * A regex source read into a small tree of characters, sequences, alternatives and repeats:
 * what first-chars.ts derives its pre-check from. Conservative by construction: every
 * construct not understood becomes "anything from here" (`wild`), and a source that cannot
 * be read at all gives null.
 */

/** A set of characters: ASCII bitmap and a non-ASCII flag. */
export interface CharSet {
  ascii: Uint8Array;
  wide: boolean;
}

export type Node =
  | { k: 'char'; set: CharSet }
  /** `head` then `tail` (a sequence is a chain of these, so derivatives share their tails). */
  | { k: 'seq'; head: Node; tail: Node }
  | { k: 'alt'; items: Node[] }
  | { k: 'rep'; min: number; max: number; node: Node }
  | { k: 'empty' }
  /** Matches nothing. */
  | { k: 'fail' }
  /** Anything at all from here: unknown constructs, back references. */
  | { k: 'wild' }
  /**
   * A look-behind (`neg`: `(?<!…)`): zero-width, read as `empty` by every consumer except
   * chars-before.ts, which reads what it says about the character before a match.
   */
  | { k: 'behind'; neg: boolean; node: Node };

export const EMPTY: Node = { k: 'empty' };
export const FAIL: Node = { k: 'fail' };

/** A sequence, kept short: nothing after a failure, no empty links. */
export function seq(head: Node, tail: Node): Node {
  if (head.k === 'fail' || tail.k === 'fail') return FAIL;
  if (head.k === 'empty') return tail;
  if (tail.k === 'empty') return head;
  return { k: 'seq', head, tail };
}

/** An alternative without its failing branches. */
export function alt(items: Node[]): Node {
  const kept = items.filter((x) => x.k !== 'fail');
  return kept.length === 0 ? FAIL : kept.length === 1 ? kept[0]! : { k: 'alt', items: kept };
}

class Unsupported extends Error {}

/** One node per ASCII literal character (sets are never changed once made). */
const ASCII_LITERALS: Node[] = [];
function single(code: number): CharSet {
  const s = none();
  s.ascii[code] = 1;
  return s;
}

export const all = (): CharSet => ({ ascii: new Uint8Array(128).fill(1), wide: true });
export const none = (): CharSet => ({ ascii: new Uint8Array(128), wide: false });

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
      let behind: boolean | null = null;
      if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
        this.i += 3;
        zeroWidth = true;
      } else if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
        behind = rest[3] === '!';
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
      if (behind !== null) return { k: 'behind', neg: behind, node: inner };
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
    if (atom.k === 'empty' || atom.k === 'behind') return atom.k === 'behind' && min === 0 ? EMPTY : atom;
    return { k: 'rep', min, max, node: atom };
  }
}

/** Parsed sources by regex (a detector's tree is derived once per start literal). */
const trees = new WeakMap<RegExp, Node | null>();

export function parse(re: RegExp): Node | null {
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
