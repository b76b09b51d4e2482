/**
 * Per-push answers the streaming masker keeps between pushes instead of searching its window
 * again (fixed23): where the first `<` at or after a point is (CharSeek, for the far
 * detectors' search), and the YAML document starts and kind lines doc-keep.ts reads only
 * once a window's length of text is unread (DocKeep.readFor). Each answer must be the one a
 * fresh search of the window gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CharSeek } from '../../proxy/masking/char-seek.js';
import { DocKeep } from '../../proxy/masking/doc-keep.js';
import { Masker } from '../../proxy/masking/index.js';
import { streamMasked } from '../helpers/streams.js';

/** A stream of pieces over a few characters (one of them two-byte), with the questions asked after each piece. */
const steps = (alphabet: string[]) =>
  fc.array(
    fc.record({
      piece: fc.array(fc.constantFrom(...alphabet), { minLength: 0, maxLength: 40 }).map((a) => a.join('')),
      trim: fc.nat(30),
      asks: fc.array(fc.tuple(fc.integer({ min: -50, max: 40 }), fc.integer({ min: -20, max: 60 })), { maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 40 },
  );

describe('CharSeek', () => {
  it('answers as indexOf over the window does, for points moving either way', () => {
    fc.assert(
      fc.property(steps(['a', 'b', '<', 'é', '\n']), (run) => {
        const seek = new CharSeek('<');
        let text = '';
        let base = 0;
        // A point asked about stays in the window (the stream trims only before its points).
        let floor = 0;
        for (const { piece, trim, asks } of run) {
          text += piece;
          const end = base + text.length;
          for (const [back, span] of asks) {
            const from = Math.max(floor, base, end - 40 + back);
            if (from > end) continue;
            const before = from + span;
            const q = text.indexOf('<', from - base);
            const want = q >= 0 && base + q < before ? base + q : -1;
            expect(seek.find(text, base, from, before)).toBe(want);
            floor = Math.max(floor, from - 45);
          }
          const cut = Math.min(trim, text.length, Math.max(0, floor - base));
          text = text.slice(cut);
          base += cut;
        }
      }),
      { seed: 2312, numRuns: 400 },
    );
  });
});

describe('DocKeep.readFor', () => {
  it('answers keepFrom as reading every push does, at every point', () => {
    const alphabet = ['\n---', '\n', '-', 'kind: Secret', 'kind: ', 'kind:', 'Sealed', 'Secret', 'x', 'é'];
    fc.assert(
      fc.property(steps(alphabet), (run) => {
        const lazy = new DocKeep();
        const eager = new DocKeep();
        let text = '';
        let base = 0;
        let from = 0;
        for (const { piece, trim } of run) {
          text += piece;
          const end = base + text.length;
          // Points moving forward one or a few characters at a time, some way behind the end
          // (as the stream's are: a window behind it), so that a read may come later than the text.
          for (; from <= end - (trim % 12); from += 1 + (trim % 3)) {
            lazy.readFor(text, base, from);
            eager.read(text, base);
            const keep = eager.keepFrom(from, end);
            expect(lazy.keepFrom(from, end)).toBe(keep);
            // (As the stream does: a keep before the window's start keeps the window.)
            if (keep > base) {
              text = text.slice(keep - base);
              base = keep;
            }
          }
        }
      }),
      { seed: 2313, numRuns: 600 },
    );
  });
});

describe('the far detectors through a stream', () => {
  const masker = new Masker({ key: Buffer.alloc(32, 7) });
  it('XML settings anywhere among other markup, any chunking: streamed = whole', () => {
    const part = fc.constantFrom(
      '<add key="ApiPassword" value="Zq8#pLm2$vXr9TqW" />',
      '<string name="client_secret">h7Gk2LmQ9xWv3RtY8pZa</string>',
      'a < b and ',
      '<p>text</p> ',
      'some prose without markup, ',
      '\n',
      'é ',
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 5 }), (parts, sizes) => {
        const text = parts.join('');
        expect(streamMasked(masker, text, sizes)).toBe(masker.mask(text).text);
      }),
      { seed: 2314, numRuns: 150 },
    );
  });
});
