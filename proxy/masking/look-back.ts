/**
 * How much already-forwarded text a stream keeps before where its next search can start.
 * A search from `from` reads text before `from`: a match's look-behinds and word boundaries,
 * its validator (a key name read back from the match), its detector's tail and hold hook.
 * Each detector declares how far that reads in words (Detector.lookBackWords): runs of
 * characters other than ASCII white space, counted before the word its match starts in,
 * plus one character (a `\b`, `^` or `(?<![…])` before the first of them). What a detector's
 * validator reads from the start of a YAML document is kept apart (doc-keep.ts).
 *
 * Words, not characters: the far readers (a value of up to 400 characters before "is my
 * API key", a value line before "that's the token") read a few words of any length, and in
 * ordinary text a few words are a few dozen characters, so the kept context, which every
 * push copies once (stream-masker.ts, release()), stays small.
 */
import type { Detector } from './detector.js';

/** Separators of the words counted: ASCII white space (every one is `\s`, so a word here holds whole `\s`-separated words). */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** The most words any of the detectors reads before the word its match starts in. */
export function lookBackWords(detectors: readonly Detector[]): number {
  return Math.max(0, ...detectors.map((d) => d.lookBackWords ?? 0));
}

/**
 * Where the context of a search from `from` starts: `words` words before the word that
 * `from` is in (or follows), and one character more; never before `floor`.
 */
export function contextStart(text: string, from: number, words: number, floor: number): number {
  let i = from;
  while (i > floor && !isBlank(text.charCodeAt(i - 1))) i--;
  for (let k = 0; k < words && i > floor; k++) {
    while (i > floor && isBlank(text.charCodeAt(i - 1))) i--;
    while (i > floor && !isBlank(text.charCodeAt(i - 1))) i--;
  }
  return Math.max(floor, i - 1);
}
