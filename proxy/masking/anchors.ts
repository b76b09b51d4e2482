/**
 * Where a detector's matches can start: the literals that every match of a regex begins
 * with, read off the regex source. The scanner uses them as anchors: instead of letting
 * the regex engine try every position of the text, it tries the regex (sticky) only where
 * one of these literals occurs, which the keyword automaton finds in the same pass that
 * gates the detectors. Pure; returns null whenever it cannot prove a literal start
 * (a character class, `.`, an optional first group), and the scanner then falls back to
 * an ordinary search.
 *
 * The derivation is conservative by construction: a prefix is cut short rather than
 * guessed, and zero-width items (look-arounds, \b, ^, $) are skipped since they consume
 * nothing. A test checks the anchored scan against a plain global search on the corpus
 * and on generated text.
 */

const MAX_LITERALS = 64;
const MAX_LENGTH = 16;
const ESCAPED_CLASS = /[dDwWsSbBkpPu0-9cx]/;
const CONTROL_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v' };

interface Alt {
  lits: string[];
  /** Every alternative was consumed whole as literals: what follows may extend them. */
  open: boolean;
}

class Parser {
  i = 0;
  constructor(private readonly src: string) {}

  /** Disjunction up to the closing ')' of the current group (or the end). */
  disjunction(): Alt {
    const lits: string[] = [];
    let open = true;
    for (;;) {
      const s = this.sequence();
      lits.push(...s.lits);
      open &&= s.open;
      if (this.src[this.i] === '|') {
        this.i++;
        continue;
      }
      return { lits: [...new Set(lits)], open };
    }
  }

  private sequence(): Alt {
    let cur = [''];
    let open = true;
    const close = () => {
      open = false;
    };
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const c = this.src[this.i]!;
      if (c === '(') {
        const kind = this.groupKind();
        if (kind === 'lookaround') {
          this.skipGroup();
          this.skipQuantifier();
          continue;
        }
        this.i += kind.length;
        const inner = this.disjunction();
        this.i++; // ')'
        const q = this.quantifier();
        if (!open) continue;
        if (q === 'optional') close();
        else {
          const next = cross(cur, inner.lits);
          if (next === null) close();
          else {
            cur = next;
            if (!inner.open || q === 'repeat') close();
          }
        }
        continue;
      }
      if (c === '^' || c === '$') {
        this.i++;
        continue;
      }
      let chars: string[] | null;
      if (c === '[') chars = this.charClass();
      else if (c === '\\') chars = this.escape();
      else if (c === '.') {
        this.i++;
        chars = null;
      } else {
        this.i++;
        chars = [c];
      }
      if (chars !== null && chars.length === 0) {
        // \b, \B: zero-width.
        this.skipQuantifier();
        continue;
      }
      const q = this.quantifier();
      if (!open) continue;
      if (chars === null || q === 'optional') {
        close();
        continue;
      }
      const next = cross(cur, chars);
      if (next === null) close();
      else {
        cur = next;
        if (q === 'repeat') close();
      }
    }
    return { lits: cur, open };
  }

  private groupKind(): string | 'lookaround' {
    const rest = this.src.slice(this.i, this.i + 4);
    if (rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) return 'lookaround';
    if (rest.startsWith('(?:')) return '(?:';
    const named = /^\(\?<[A-Za-z_$][\w$]*>/.exec(this.src.slice(this.i));
    if (named) return named[0];
    return '(';
  }

  /** Skips a whole group, nested groups and classes included. */
  private skipGroup(): void {
    let depth = 0;
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === '\\') this.i += 2;
      else if (c === '[') this.charClass();
      else {
        this.i++;
        if (c === '(') depth++;
        else if (c === ')' && --depth === 0) return;
      }
    }
  }

  /** A class's characters when it is a short list of literal ASCII characters, else null. */
  private charClass(): string[] | null {
    this.i++; // '['
    const chars: string[] = [];
    let plain = this.src[this.i] !== '^';
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const c = this.src[this.i]!;
      if (c === '\\') {
        const e = this.src[this.i + 1]!;
        const control = CONTROL_ESCAPES[e];
        if (control !== undefined) chars.push(control);
        else if (ESCAPED_CLASS.test(e) || /[a-zA-Z]/.test(e)) plain = false;
        else chars.push(e);
        this.i += 2;
        continue;
      }
      if (this.src[this.i + 1] === '-' && this.src[this.i + 2] !== ']') plain = false;
      chars.push(c);
      this.i++;
    }
    this.i++; // ']'
    return plain && chars.length > 0 && chars.length <= 4 ? [...new Set(chars)] : null;
  }

  /** One escape: its literal character, [] for a zero-width assertion, null for a class. */
  private escape(): string[] | null {
    const e = this.src[this.i + 1]!;
    if (e === 'b' || e === 'B') {
      this.i += 2;
      return [];
    }

    if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(this.src.slice(this.i + 2, this.i + 4))) {
      const ch = String.fromCharCode(parseInt(this.src.slice(this.i + 2, this.i + 4), 16));
      this.i += 4;
      return [ch];
    }
    if (e === 'u' || e === 'c' || e === 'k' || e === 'p' || e === 'P') {
      this.i += 2;
      this.skipEscapeTail(e);
      return null;
    }
    this.i += 2;
    const control = CONTROL_ESCAPES[e];
    if (control !== undefined) return [control];
    if (/[A-Za-z0-9]/.test(e)) return null; // \d \w \s, back references
    return [e];
  }

  private skipEscapeTail(e: string): void {
    if ((e === 'k' && this.src[this.i] === '<') || ((e === 'p' || e === 'P') && this.src[this.i] === '{') || (e === 'u' && this.src[this.i] === '{')) {
      const close = e === 'k' ? '>' : '}';
      while (this.i < this.src.length && this.src[this.i] !== close) this.i++;
      this.i++;
    }
  }

  /** Reads a quantifier: 'none', 'optional' (may match zero times) or 'repeat' (one or more). */
  private quantifier(): 'none' | 'optional' | 'repeat' {
    const c = this.src[this.i];
    let q: 'none' | 'optional' | 'repeat' = 'none';
    if (c === '?' || c === '*') {
      this.i++;
      q = 'optional';
    } else if (c === '+') {
      this.i++;
      q = 'repeat';
    } else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.src.slice(this.i));
      if (m) {
        this.i += m[0].length;
        const min = Number(m[1]);
        q = min === 0 ? 'optional' : m[2] === undefined && min === 1 ? 'none' : 'repeat';
      }
    }
    if (q !== 'none' && this.src[this.i] === '?') this.i++; // lazy
    return q;
  }

  private skipQuantifier(): void {
    this.quantifier();
  }
}

/** Every prefix extended by every continuation, or null when that grows too large. */
function cross(prefixes: string[], next: string[]): string[] | null {
  if (prefixes.length * next.length > MAX_LITERALS) return null;
  const out = new Set<string>();
  for (const p of prefixes) for (const n of next) out.add((p + n).slice(0, MAX_LENGTH));
  return [...out];
}

/**
 * Lower-cased literals such that every match of `re` starts with one of them (compared
 * ASCII case-insensitively), or null when that cannot be shown. Literals that extend
 * another one in the list are dropped (the shorter one already finds them).
 */
export function literalStarts(re: RegExp): string[] | null {
  const p = new Parser(re.source);
  const { lits } = p.disjunction();
  if (p.i < re.source.length) return null; // unbalanced ')': not something we understood
  const lower = [...new Set(lits.map((l) => l.toLowerCase()))];
  if (lower.some((l) => l.length === 0 || !/^[\x00-\x7f]+$/.test(l))) return null;
  lower.sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const l of lower) if (!kept.some((k) => l.startsWith(k))) kept.push(l);
  return kept;
}

/**
 * For a case-sensitive regex: the literals, in their own case, that every match starts with
 * (cut to MAX_LENGTH), or null (a case-insensitive regex, or no literal start). The keyword
 * automaton finds start literals case-folded ("od" in "code" for a token that starts with
 * "OD"), so a search anchored on them first checks the exact case, a string compare instead of
 * a regex call.
 */
export function exactStarts(re: RegExp): string[] | null {
  if (re.flags.includes('i') || literalStarts(re) === null) return null;
  const p = new Parser(re.source);
  const lits = [...new Set(p.disjunction().lits)];
  return lits.length > 0 && lits.every((l) => l.length > 0) ? lits : null;
}

/** Whether text continues at `at` with one of `lits`. */
export function startsWithAny(text: string, at: number, lits: readonly string[]): boolean {
  for (let k = 0; k < lits.length; k++) if (text.startsWith(lits[k]!, at)) return true;
  return false;
}

/** Names of the capture groups that sit inside a look-around (their text lies outside the match). */
export function groupsInLookarounds(re: RegExp): Set<string> {
  const src = re.source;
  const names = new Set<string>();
  const stack: boolean[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') {
      const inside = stack.length > 0 && stack[stack.length - 1]!;
      const rest = src.slice(i, i + 4);
      const look = rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!');
      const named = look ? null : /^\(\?<([A-Za-z_$][\w$]*)>/.exec(src.slice(i));
      if (named && inside) names.add(named[1]!);
      stack.push(inside || look);
    } else if (c === ')') {
      stack.pop();
    }
  }
  return names;
}
