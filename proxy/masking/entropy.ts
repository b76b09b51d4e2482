/** Heuristics for "does this value look like a real secret, not a placeholder or a reference". */
import { hasPlaceholderWord, PLACEHOLDER_CLASS, PLACEHOLDER_TRIGRAM_TABLE, PLACEHOLDER_WORDS } from './placeholder-words.js';

const counts = new Uint32Array(128);
/** The ASCII characters counted, in order of first occurrence. */
const distinct = new Uint8Array(128);

/**
 * p·log2(p) for p = k/n, by (n, k) for values up to MEMO_MAX characters, worked out at first
 * use (NaN: not yet): the same double as computing it in place (the same operations on the
 * same operands), without a log2 call per distinct character (~1 % of the masker's
 * instructions on the shared corpus). 257 × 257 doubles, 0.5 MB at most.
 */
const MEMO_MAX = 256;
const terms = new Float64Array((MEMO_MAX + 1) * (MEMO_MAX + 1)).fill(NaN);

function term(k: number, n: number): number {
  const at = n * (MEMO_MAX + 1) + k;
  let t = terms[at]!;
  if (t !== t) {
    const p = k / n;
    t = terms[at] = p * Math.log2(p);
  }
  return t;
}

export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  // ASCII values (nearly all secrets) count in a reused table; anything else in a Map.
  let wide: Map<string, number> | null = null;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (counts[c]!++ === 0) distinct[d++] = c;
    } else {
      wide ??= new Map();
      const ch = String.fromCharCode(c);
      wide.set(ch, (wide.get(ch) ?? 0) + 1);
    }
  }
  let h = 0;
  const memo = n <= MEMO_MAX;
  // The terms in the order of each character's first occurrence, as a second walk over the
  // text summed them (the same double), from the list of distinct characters.
  for (let j = 0; j < d; j++) {
    const c = distinct[j]!;
    const k = counts[c]!;
    h -= memo ? term(k, n) : (k / n) * Math.log2(k / n);
    counts[c] = 0;
  }
  if (wide) {
    for (const k of wide.values()) {
      const p = k / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/** How many of: lower-case letters, upper-case letters, digits, anything else. */
function charClasses(s: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

const REFERENCE =
  /^(?:pk[._]|-|:|\$\{?|%[A-Za-z_]+%|\{\{|process\.env|os\.environ|os\.getenv|env\.|ENV\[|var\.|local\.|data\.|module\.|secrets\.|vault:|arn:|ref\+|@|!|&|\*|file:|config\.|settings\.|self\.|this\.|get[A-Z_]|System\.getenv|Environment\.|os\.Getenv|sha\d+[:-]|md5:|[a-z]+\(|\/)/;

/**
 * Whether REFERENCE can match a value beginning with `c`: each of its alternatives begins with
 * a lower-case letter, a slash or one of `-:$%{ES@!&*` (a test holds this to every alternative).
 */
export function mayBeReference(c: number): boolean {
  return (c >= 97 && c <= 122) || c === 45 || c === 58 || c === 36 || c === 37 || c === 123 || c === 69 || c === 83 || c === 64 || c === 33 || c === 38 || c === 42 || c === 47;
}

/** /^(.)\1+$/.test(v): two or more of one character, not a line terminator (`.` matches none). */
export function oneRepeatedChar(v: string): boolean {
  const c = v.charCodeAt(0);
  if (v.length < 2 || c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return false;
  for (let i = 1; i < v.length; i++) if (v.charCodeAt(i) !== c) return false;
  return true;
}

/**
 * Per ASCII code unit: its placeholder-word class (bits 0–4, placeholder-words.ts) and its class
 * as charClasses counts it (bit 5 lower-case letter, 6 upper-case, 7 digit, 8 anything else).
 */
const INFO = Uint16Array.from({ length: 128 }, (_, c) => PLACEHOLDER_CLASS[c]! | ((c >= 97 && c <= 122 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 48 && c <= 57 ? 4 : 8) << 5));

/**
 * True for values that are obviously not secrets: placeholders, variable references, low entropy.
 *
 * An ASCII value (nearly every one) is read once: one walk gathers what four walks did (the
 * placeholder-word sequences, the character classes, the characters' counts for the entropy,
 * whether one character repeats). A value is a sliced string of the text, so each charCodeAt
 * goes through its representation: the walks, not the arithmetic, were most of the ~14 k
 * instructions a call on the dense corpus. The checks are pure, so doing their walk first and
 * the regexes after gives the answer the checks in turn give; any other value takes that path.
 */
export function looksLikeRealSecret(value: string, opts: { minLength?: number; minEntropy?: number } = {}): boolean {
  const v = value.trim();
  const n = v.length;
  if (n < (opts.minLength ?? 8)) return false;
  const c0 = v.charCodeAt(0);
  // The tables as locals: read from the module's scope at every character, each access
  // repeated its scope load and map check (~100 instructions a character in all).
  const info = INFO;
  const words = PLACEHOLDER_TRIGRAM_TABLE;
  const seen = counts;
  const order = distinct;
  let kinds = 0;
  let t = 0;
  let word = 0;
  let d = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128) break;
    const x = info[c]!;
    kinds |= x;
    t = ((t << 5) | (x & 31)) & 0x7fff;
    word |= words[t]!;
    if (seen[c]!++ === 0) order[d++] = c;
  }
  if (i < n) {
    for (let j = 0; j < d; j++) counts[distinct[j]!] = 0;
    return looksLikeRealSecretInTurn(v, opts);
  }
  // The entropy (as shannonEntropy sums it: terms in order of first occurrence), the counts cleared.
  let h = 0;
  if (n <= MEMO_MAX) {
    const memo = terms;
    const row = n * (MEMO_MAX + 1);
    for (let j = 0; j < d; j++) {
      const c = order[j]!;
      const k = seen[c]!;
      let x = memo[row + k]!;
      if (x !== x) {
        const p = k / n;
        x = memo[row + k] = p * Math.log2(p);
      }
      h -= x;
      seen[c] = 0;
    }
  } else {
    for (let j = 0; j < d; j++) {
      const c = order[j]!;
      const k = seen[c]!;
      h -= (k / n) * Math.log2(k / n);
      seen[c] = 0;
    }
  }
  if ((word !== 0 && PLACEHOLDER_WORDS.test(v)) || (mayBeReference(c0) && REFERENCE.test(v))) return false;
  // oneRepeatedChar: two or more of one character (one distinct), not a line terminator.
  if (d === 1 && n >= 2 && c0 !== 10 && c0 !== 13) return false;
  if (!shapeMayBeSecret(v, c0)) return false;
  const classes = ((kinds >> 5) & 1) + ((kinds >> 6) & 1) + ((kinds >> 7) & 1) + ((kinds >> 8) & 1);
  if (classes < 2 && !(n >= 20 && h >= 3.5)) return false;
  return h >= (opts.minEntropy ?? (n < 16 ? 2.8 : 3.0));
}

/**
 * False for numbers, versions, plain words, CamelCase and dotted identifiers, URLs. The
 * anchored tests are tried only when the first character can begin a match (a regex call
 * costs more than the test it would fail at once; the answers are the same).
 */
function shapeMayBeSecret(v: string, c0: number): boolean {
  const digit = c0 >= 48 && c0 <= 57;
  const lower = c0 >= 97 && c0 <= 122;
  const upper = c0 >= 65 && c0 <= 90;
  if ((digit || c0 === 118) && (/^\d+(?:\.\d+)*$/.test(v) || /^v?\d+\.\d+\.\d+/.test(v))) return false; // numbers, versions
  if (lower && v.length < 24 && /^[a-z]+(?:[-_ .][a-z]+)*$/.test(v)) return false; // plain words
  if (upper && /^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return false; // CamelCaseIdentifiers
  if ((upper || lower) && /^[A-Za-z]+(?:[._/-][A-Za-z]+)+$/.test(v)) return false; // dotted.identifiers, paths-ish words
  if ((c0 | 32) >= 102 && (c0 | 32) <= 119 && /^(?:https?|ftp|wss?):\/\//i.test(v)) return false; // URLs (f…w): the URL detectors judge those
  return true;
}

/** looksLikeRealSecret's checks one after another, each with its own walk (values with a character beyond ASCII). */
function looksLikeRealSecretInTurn(v: string, opts: { minLength?: number; minEntropy?: number }): boolean {
  if (hasPlaceholderWord(v) || REFERENCE.test(v)) return false;
  if (oneRepeatedChar(v)) return false;
  if (!shapeMayBeSecret(v, v.charCodeAt(0))) return false;
  const classes = charClasses(v);
  const h = shannonEntropy(v);
  if (classes < 2 && !(v.length >= 20 && h >= 3.5)) return false;
  return h >= (opts.minEntropy ?? (v.length < 16 ? 2.8 : 3.0));
}
