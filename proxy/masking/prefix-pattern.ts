/**
 * Regular expressions that match every prefix of a phrase, built from the phrase's parts.
 * The streaming masker uses them for context that comes after a value ("<value> is my API
 * key"): while the text after the value is still a prefix of such a phrase, the value may
 * yet be called a secret and is held; once it cannot be, the value is released.
 * Built by hand from small parts, because a prefix-closed form of an arbitrary regex is not
 * something the regex engine offers. Patterns only, no state; never used to find secrets.
 */

/** A regex fragment: `full` matches the part, `prefix` any prefix of it (the empty one too). */
export interface Part {
  readonly full: string;
  readonly prefix: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** One character, case-insensitively for letters (the phrase regexes run without the i flag). */
function ci(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  return lo !== up ? `[${lo}${up}]` : esc(ch);
}

/** Literal words (letters case-insensitive). */
export function words(...list: string[]): Part {
  const full = new Set<string>();
  const prefixes = new Set<string>();
  for (const w of list) {
    const chars = [...w].map(ci);
    full.add(chars.join(''));
    for (let n = 1; n <= chars.length; n++) prefixes.add(chars.slice(0, n).join(''));
  }
  // Longest first, so a match at the end is found without backtracking through shorter ones.
  const alt = (xs: Set<string>) => [...xs].sort((a, b) => b.length - a.length).join('|');
  return { full: `(?:${alt(full)})`, prefix: `(?:${alt(prefixes)})?` };
}

/** A character class repeated min..max times (max null: unbounded). */
export function chars(cls: string, min: number, max: number | null = null): Part {
  const hi = max === null ? '' : String(max);
  return { full: `${cls}{${min},${hi}}`, prefix: `${cls}{0,${hi}}` };
}

/** The parts one after the other. */
export function seq(...parts: Part[]): Part {
  if (parts.length === 0) return { full: '', prefix: '' };
  const [first, ...rest] = parts as [Part, ...Part[]];
  if (rest.length === 0) return first;
  const tail = seq(...rest);
  return { full: `${first.full}${tail.full}`, prefix: `(?:${first.full}${tail.prefix}|${first.prefix})` };
}

/** One of the parts. */
export function either(...parts: Part[]): Part {
  return { full: `(?:${parts.map((p) => p.full).join('|')})`, prefix: `(?:${parts.map((p) => p.prefix).join('|')})` };
}

/** The part or nothing. */
export function optional(p: Part): Part {
  return { full: `(?:${p.full})?`, prefix: p.prefix };
}

/** The part 0..max times. */
export function upTo(p: Part, max: number): Part {
  let out: Part = { full: '', prefix: '' };
  for (let i = 0; i < max; i++) out = optional(seq(p, out));
  return out;
}

/**
 * A sticky regex that matches, from where it is tried to the end of the text, a prefix of
 * `p` (possibly empty, possibly the whole).
 */
export function prefixToEnd(p: Part): RegExp {
  return new RegExp(`${p.prefix}$`, 'y');
}
