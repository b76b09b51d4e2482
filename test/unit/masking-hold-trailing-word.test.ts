/**
 * The streaming masker finds the trailing word (a run of token characters at the end) before
 * the in-progress search and tells it that no white space lies there (openCandidates'
 * `noSpaceFrom`): the search for the last white space then starts before the word. It must
 * find what it finds without the hint, the reference's answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { openCandidates, openCandidatesReference } from '../../proxy/masking/hold-scan.js';
import { StreamingMasker } from '../../proxy/masking/stream-masker.js';
import { Masker } from '../../proxy/masking/index.js';

/** Where the trailing run of token characters starts (the stream masker's isRunChar). */
const trailingWord = (text: string) => text.length - /[A-Za-z0-9_\-+/=~.]*$/.exec(text)![0].length;

const pieces = ['https://', 'user:', '@host', 'Bearer ', 'token ', 'password: ', ' ', '\t', '\n', ':', '"', "'", '\u00a0', '\u3000', 'ghp_', 'sk-', '=', '--password '];
const run = fc.stringMatching(/^[A-Za-z0-9+/_\-.]{1,30}$/);
const textArb = fc.array(fc.oneof(fc.constantFrom(...pieces), run), { minLength: 1, maxLength: 24 }).map((xs) => xs.join(''));

describe('the in-progress search told where the trailing word starts', () => {
  it('finds the candidates that end in a word after other punctuation than white space', () => {
    // The word after ":" or "/" is the trailing word; the candidate starts before it, after the space.
    const texts = ['Note: see https://user:pa', 'see https://user:pa', 'a\u00a0https://u:pw', 'Authorization: Bearer abc/def', 'x --password=hunt'];
    for (const text of texts) {
      const w = trailingWord(text);
      for (const from of [0, w]) {
        const want = openCandidatesReference(text, ALL_DETECTORS, from, 0);
        expect(openCandidates(text, ALL_DETECTORS, from, 0, 0, undefined, w)).toEqual(want);
      }
      if (text.includes('://')) expect(openCandidates(text, ALL_DETECTORS, 0, 0, 0, undefined, w).at).toBeLessThan(w);
    }
  });

  it('answers as the reference does on generated text (property)', () => {
    fc.assert(
      fc.property(textArb, fc.nat(), (text, f) => {
        const w = trailingWord(text);
        const from = text.length ? f % text.length : 0;
        for (const region of [0, Math.max(0, from - 20), from]) {
          expect(openCandidates(text, ALL_DETECTORS, from, region, region, undefined, w)).toEqual(openCandidatesReference(text, ALL_DETECTORS, from, region));
        }
      }),
      { numRuns: 300, seed: 20261204 },
    );
  });

  it('a stream releases what whole-text masking masks, pushed in pieces that end inside URLs', () => {
    const masker = new Masker({ key: Buffer.alloc(32, 7), cacheChars: 0 });
    const text = 'See https://admin:Zx9vQ2mLk7pW4rT1@db.example.com/x and\u00a0ftp://u:Qm3nB8vK2pL9xR5t@h then done. ';
    const whole = masker.mask(text).text;
    for (const size of [3, 7, 11, 16]) {
      const sm = new StreamingMasker(masker);
      let out = '';
      for (let i = 0; i < text.length; i += size) out += sm.push(text.slice(i, i + size));
      out += sm.flush();
      expect(out).toBe(whole);
    }
  });

  it('a held value is released by the next push of word characters that ends its phrase (the held text was not one word)', () => {
    // Held: `<value> is my` (the prose hold). "x" makes "myx": no phrase, so the value goes
    // out at once. The push of "x" is searched because the held text is not one run of token
    // characters; the masker reads that off the text before its trailing word only.
    const masker = new Masker({ key: Buffer.alloc(32, 7), cacheChars: 0 });
    const sm = new StreamingMasker(masker);
    expect(sm.push('Note: Zk3vQ9mLx7pW2rT8yB4nC6dF1gH5jK0 is my')).toBe('Note: ');
    expect(sm.push('x')).toBe('Zk3vQ9mLx7pW2rT8yB4nC6dF1gH5jK0 is ');
    expect(sm.held).toBe(3);
  });
});
