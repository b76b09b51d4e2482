/**
 * A stream keeps only the context its next search can read (look-back.ts): each detector
 * declares how many words before its match's word it reads (Detector.lookBackWords). Here,
 * per declaring detector, a text whose answer needs exactly that many words: cut one word
 * shorter, the search from the match's start finds what the whole text does not, or misses
 * what it finds, so lowering a declaration fails the first test. The streams below put long
 * words before the match (a search starts SHORT_REACH before the held text, so with short
 * words the context kept reaches further than declared); giving the prose detector 3 instead
 * of 5, or every detector 0, fails them (tried).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import type { Detector } from '../../proxy/masking/detector.js';
import { contextStart, lookBackWords } from '../../proxy/masking/look-back.js';
import { scanOpen } from '../../proxy/masking/scan.js';
import { streamMasked } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

/** Per declaring detector (found by a phrase of its description): a text and whether whole-text masking finds its secret. */
const CASES: Array<{ about: string; text: string; found: boolean; tight: boolean }> = [
  { about: 'connection string', text: 'Server=db1 Password=Xk9mQ2vLp7zR;', found: false, tight: true },
  { about: 'connection string', text: 'Server=db1;  Password=Xk9mQ2vLp7zR;', found: true, tight: false },
  { about: 'on its own line', text: 'see:\nZq8xLm2Kp9Rt4Vw7Yb3Nc6Hd\n^ that\'s the api key', found: true, tight: true },
  { about: 'the new secret', text: 'ok, the new key is `Zq8xLm2Kp9Rt4Vw7Yb3N`', found: true, tight: true },
  // (Ends at `key`: the match at `key`, which its validator rejects, reaches the end, so it holds the value.)
  { about: 'given in prose', text: 'note "Zq8xLm2Kp9Rt4Vw7Yb3Nc6H" is a valid Stripe Live api key', found: true, tight: true },
  { about: 'named in prose', text: 'so here is ancient dusty staging password: Xk9mQ2vLp7zR', found: true, tight: true },
];

const declaring = (about: string): Detector => {
  const ds = masker.detectors.filter((d) => d.description.includes(about) && (d.lookBackWords ?? 0) > 0);
  expect(ds.length, about).toBe(1);
  return ds[0]!;
};

/** The start of the detector's last match in `text` (every position is tried: scan.ts, accept()). */
function lastMatchStart(d: Detector, text: string): number {
  const re = new RegExp(d.pattern.source, d.pattern.flags);
  let last = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    last = m.index;
    re.lastIndex = m.index + 1;
  }
  return last;
}

/** What a search from `from` finds (its findings, and where the matches reaching the end start), in text cut `words` words before `from`'s word (positions in the whole text; all of it for words < 0). */
function foundWithContext(d: Detector, text: string, from: number, words: number): string {
  const c = words < 0 ? 0 : contextStart(text, from, words, 0);
  const s = scanOpen(text.slice(c), [d], from - c);
  return [...s.findings.map((f) => `${f.start + c}-${f.end + c}`), `open ${s.openFrom + c} ${s.openMatchFrom + c}`].join(' ');
}

describe('the look-back the detectors declare', () => {
  for (const { about, text, found, tight } of CASES) {
    it(`${about}: a search from the match's start reads the declared words before it (${JSON.stringify(text.slice(0, 24))}…)`, () => {
      const d = declaring(about);
      const k = d.lookBackWords!;
      const whole = scanOpen(text, [d]).findings.map((f) => `${f.start}-${f.end}`);
      expect(whole.length > 0).toBe(found);
      // Positions where the regex reads before its start (a match, or a failed try at a
      // look-behind): the last match's start, or for a text without one, each word start.
      // (From the start of the word the match starts in or follows: a search from a match's
      // start does not run a detector whose keyword lies before it, `key` in `the new key is`.)
      const m = lastMatchStart(d, text);
      const starts = m >= 0 ? [contextStart(text, m, 0, -1) + 1] : [...text.matchAll(/(?<=\s)\S/g)].map((x) => x.index);
      for (const from of starts) expect(foundWithContext(d, text, from, k), `declared ${k}`).toBe(foundWithContext(d, text, from, -1));
      // One word fewer changes the answer: the declaration is needed.
      if (tight) expect(starts.some((from) => foundWithContext(d, text, from, k - 1) !== foundWithContext(d, text, from, -1))).toBe(true);
    });
  }

  it('the stream keeps the most any detector declares', () => {
    expect(lookBackWords(masker.detectors)).toBe(Math.max(...masker.detectors.map((d) => d.lookBackWords ?? 0)));
    expect(lookBackWords(masker.detectors)).toBeGreaterThanOrEqual(7);
  });
});

describe('a stream keeps the context its searches read', () => {
  const long = (c: string) => c.repeat(70);
  /** Long words before the match: the search start lies in the word before it, so the declared words are all needed but one. */
  const phrases = [
    `so here is ${long('a')} ${long('b')} ${long('c')} password is Xk9mQ2vLp7zR and more`,
    `x ${long('w')} "Zq8xLm2Kp9Rt4Vw7Yb3Nc6H" is a valid ${long('S')} Live api key ok`,
    `x ${long('w')} "Zq8xLm2Kp9Rt4Vw7Yb3Nc6H" is a valid Stripe ${long('L')} api key ok`,
    `the new ${long('k')}\nthe new key is \`Zq8xLm2Kp9Rt4Vw7Yb3N\` ok`,
    `Server=db1 x${long(' ')}Password=Xk9mQ2vLp7zR; Server=db1;${long(' ')}Password=Xk9mQ2vLp7zR;`,
  ];
  const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(40);

  it('masks as whole text does, after 1.8 KB of prose, for pushes of 1–16 characters', () => {
    for (const p of phrases) {
      const text = filler + p + '\n' + filler.slice(0, 200);
      const whole = masker.mask(text).text;
      expect(whole).not.toBe(text.replace(/Xk9mQ2vLp7zR|Zq8xLm2Kp9Rt4Vw7Yb3N\w*/g, '')); // (something is masked)
      for (let n = 1; n <= 16; n++) expect(streamMasked(masker, text, [n]), `${p.slice(0, 30)} / ${n}`).toBe(whole);
    }
  });

  it('masks as whole text does under any chunking, with the phrases anywhere in prose (property)', () => {
    const piece = fc.constantFrom(...phrases, filler.slice(0, 90), 'my ', 'the ', 'token ', '\n', '  ', long('z') + ' ');
    const sizes = fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), sizes, (xs, chunks) => {
        const text = xs.join('');
        expect(streamMasked(masker, text, chunks)).toBe(masker.mask(text).text);
      }),
      { numRuns: 150, seed: 2026_1204 },
    );
  });
});
