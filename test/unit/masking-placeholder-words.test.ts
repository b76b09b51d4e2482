import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCorpus, SHARED_CORPUS } from '../helpers/corpus.js';
import { hasPlaceholderWord, mayHavePlaceholderWord, PLACEHOLDER_TRIGRAMS, PLACEHOLDER_WORDS } from '../../proxy/masking/placeholder-words.js';

/** The regex's top-level alternatives (split at `|` outside groups and classes). */
function alternatives(src: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(src.slice(start, i));
      start = i + 1;
    }
  }
  out.push(src.slice(start));
  return out;
}

const PIECES = [
  'example', 'your', 'placeholder', 'test', 'only', 'pass', 'word', 'password', 'changeme', 'change', 'me', 'dummy', 'fake',
  'sample', 'redacted', 'filtered', 'masked:', 'replace', 'insert', '<', '>', '*', '***', 'x', 'xxxxxx', 'todo', 'hunter2',
  'lorem', 'ipsum', '_', '-', ' ', 'testpass', 'testing', 'mock', 'secret', 'here', 'key', 'token', 'none', 'null', 'nil',
  'undefined', 'true', 'false', 'string', 'required', 'optional', '.', '...', '1', '42', 'é', '\u212a', '\u017f', '\u0131',
  '\u0130', 'a', 'Z', '9', '/', '+', '=', 'AbC9xQ', 'te', 'st', 'ex', 'am',
];
const piece = fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom('lower', 'upper', 'mixed')).map(([p, c]) =>
  c === 'upper' ? p.toUpperCase() : c === 'mixed' ? [...p].map((ch, i) => (i % 2 ? ch.toUpperCase() : ch)).join('') : p,
);
const text = fc.array(piece, { maxLength: 8 }).map((ps) => ps.join(''));

describe('placeholder words', () => {
  it('have one sequence per alternative of the regex, and every match of that alternative contains it', () => {
    const alts = alternatives(PLACEHOLDER_WORDS.source);
    expect(alts.length).toBe(PLACEHOLDER_TRIGRAMS.length);
    const res = alts.map((a) => new RegExp(a, 'i'));
    let matched = 0;
    fc.assert(
      fc.property(text, (t) => {
        res.forEach((re, i) => {
          const m = re.exec(t);
          if (m === null) return;
          matched++;
          expect(m[0].toLowerCase(), `${alts[i]} in ${JSON.stringify(t)}`).toContain(PLACEHOLDER_TRIGRAMS[i]);
        });
      }),
      { numRuns: 5000, seed: 20261204 },
    );
    expect(matched).toBeGreaterThan(5000);
  });

  it('are never missed by the cheap check: it says no only where the regex finds nothing', () => {
    fc.assert(
      fc.property(text, (t) => {
        if (PLACEHOLDER_WORDS.test(t)) expect(mayHavePlaceholderWord(t), JSON.stringify(t)).toBe(true);
        expect(hasPlaceholderWord(t)).toBe(PLACEHOLDER_WORDS.test(t));
      }),
      { numRuns: 5000, seed: 20261205 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (t) => {
        expect(hasPlaceholderWord(t)).toBe(PLACEHOLDER_WORDS.test(t));
      }),
      { numRuns: 2000, seed: 20261206 },
    );
    // Every line of the shared corpus, and each word of the regex in both cases inside random-looking text.
    for (const e of loadCorpus(SHARED_CORPUS)) for (const line of e.text.split('\n')) expect(hasPlaceholderWord(line)).toBe(PLACEHOLDER_WORDS.test(line));
    for (const w of PIECES) for (const t of [`Zq8${w}4Rk`, `Zq8${w.toUpperCase()}4Rk`, w, w.toUpperCase()]) expect(hasPlaceholderWord(t), t).toBe(PLACEHOLDER_WORDS.test(t));
  });

  it('lets random-looking secrets skip the regex', () => {
    for (const s of ['ghp_9fJ2kQw8ZrT4mNb7Xc1Vd3Lp6Hs0Ya5Ue', 'AKIA2Q7ZK4N8P3R5T6W9', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzK9aQ2mB1']) {
      expect(mayHavePlaceholderWord(s), s).toBe(false);
    }
    for (const s of ['my-EXAMPLE-key', '<token>', 'abc...', 'XxXxXx1234', 'x_TeSt_1']) expect(mayHavePlaceholderWord(s), s).toBe(true);
  });
});
