/**
 * The stream's carried keyword occurrences (KeywordCarry) over long streams dense with
 * keywords: its store of occurrences fills, drops those before the buffer's front and is
 * compacted in place or grown many times, and every search must still be answered exactly as
 * a fresh scan of the buffer from that point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { Hits } from '../../proxy/masking/keywords.js';
import { prefilterFor } from '../../proxy/masking/scan.js';
import { streamInto } from '../helpers/keyword-stream.js';

const index = prefilterFor(ALL_DETECTORS).index;
const wanted = new Uint8Array(index.size).map((_, i) => (i % 3 === 0 ? 0 : 1));

function seen(scanned: (present: Uint8Array, hits: Hits) => number) {
  const present = new Uint8Array(index.size);
  const hits = new Hits(wanted);
  const state = scanned(present, hits);
  return { state, seen: [...hits.seen.subarray(0, hits.seenCount)].sort((a, b) => a - b), hits: [...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`) };
}

/** Keywords (in random case) between short fillers: hundreds of occurrences per stream. */
const denseText = fc
  .array(fc.tuple(fc.constantFrom(...index.keywords), fc.constantFrom(' ', 'x', '\n', '=', 'é', 'zz', ''), fc.boolean()), { minLength: 100, maxLength: 400, size: 'max' })
  .map((parts) => parts.map(([k, f, up]) => (up ? k.toUpperCase() : k) + f).join(''));

/**
 * A keyword's shadow: each character c written as U+0100 + c or U+6100 + c, whose low byte is
 * c's. No keyword occurs in it; a walk that took a unit's low byte (or its low 7 bits) for
 * the character would find one.
 */
const shadow = (k: string, hi: number) => String.fromCharCode(...[...k].map((c) => hi + c.charCodeAt(0)));

/**
 * Like denseText, with non-ASCII fillers of every UTF-8 length (2, 3, 4 bytes; U+2028),
 * keyword-free stretches, and keywords' shadows.
 */
const mixedOf = (minLength: number, maxLength: number, size?: 'max') =>
  fc
    .array(
      fc.tuple(fc.constantFrom(...index.keywords), fc.constantFrom(' ', 'x', '\n', 'é', '€', '😀', '\u2028', 'zz', '', 'plain words here, none of them a keyword '.repeat(3)), fc.constantFrom('', 'up', 'shadow', 'shadow2')),
      { minLength, maxLength, size },
    )
    .map((parts) => parts.map(([k, f, form]) => (form === 'up' ? k.toUpperCase() : form === 'shadow' ? shadow(k, 0x100) : form === 'shadow2' ? shadow(k.toUpperCase(), 0x6100) : k) + f).join(''));
const mixedText = mixedOf(50, 300);

/** Push sizes: mostly short, some of 0.6–1.8 KB, in any mix. */
const pushSizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 600, max: 1800 })), { minLength: 1, maxLength: 12 });

/** Every occurrence of every keyword, found with indexOf in the text with ASCII letters lowered: what the automaton must find, independent of its table. */
function naive(text: string, from: number): string[] {
  const folded = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const found: string[] = [];
  index.keywords.forEach((k, id) => {
    for (let at = folded.indexOf(k, from); at >= 0; at = folded.indexOf(k, at + 1)) found.push(`${id}@${at}`);
  });
  return found.sort();
}

const everyKeyword = new Uint8Array(index.size).fill(1);

describe('carried keyword occurrences', () => {
  it('are exactly the occurrences indexOf finds, pushed in pieces of any size, in text dense with keywords, non-ASCII text and shadows (property)', () => {
    // Against a search that uses no automaton at all: the other properties hold the carry
    // equal to a fresh scan, which reads the same transition table (a wrong entry in it
    // would pass them).
    fc.assert(
      fc.property(mixedText, denseText, pushSizes, fc.integer({ min: 40, max: 1500 }), (mixed, dense, cuts, keep) => {
        const text = mixed + dense;
        streamInto(text, cuts, keep, (carry, buf, n) => {
          const from = Math.max(0, buf.length - n - 30);
          const hits = new Hits(everyKeyword);
          carry.scan(index, buf, new Uint8Array(index.size), from, hits);
          const got = [...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`).sort();
          expect(got).toEqual(naive(buf, from));
          const fresh = new Hits(everyKeyword);
          index.scan(buf, new Uint8Array(index.size), from, buf.length, fresh);
          expect([...fresh.ids.subarray(0, fresh.length)].map((id, k) => `${id}@${fresh.starts[k]}`).sort()).toEqual(got);
        });
      }),
      { numRuns: 60, seed: 20261208 },
    );
  });

  it("are the occurrences indexOf finds in the detectors' keywords run together, cut and in upper case (every state of the table is entered)", () => {
    const text = index.keywords.map((k, i) => k.slice(0, 1 + (i % k.length)) + k.toUpperCase() + k.slice(0, 2 + (i % 5)) + (i % 2 ? '' : ' ')).join('');
    for (const step of [1, 7, 64, 1024]) {
      streamInto(text, [step], text.length, (carry, buf, n) => {
        const from = Math.max(0, buf.length - n - 40);
        const hits = new Hits(everyKeyword);
        carry.scan(index, buf, new Uint8Array(index.size), from, hits);
        expect([...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`).sort()).toEqual(naive(buf, from));
      });
    }
  });

  it('answer a fresh scan from any point when pushes long and short alternate, with non-ASCII text (property)', () => {
    fc.assert(
      fc.property(mixedText, pushSizes, fc.nat(), fc.integer({ min: 40, max: 1500 }), (text, cuts, f, keep) => {
        streamInto(text, cuts, keep, (carry, buf, n, k) => {
          // First from a little before the push (as the stream's first search does), so an occurrence across the boundary is asked for.
          for (const from of [Math.max(0, buf.length - n - (f % 40)), Math.max(0, buf.length - ((f + k) % 300)), k % 5 === 0 ? 0 : buf.length]) {
            expect(seen((p, h) => carry.scan(index, buf, p, from, h))).toEqual(seen((p, h) => index.scan(buf, p, from, buf.length, h)));
          }
          // Without a hit list: only `present` is marked.
          const from = Math.max(0, buf.length - n - (f % 40));
          const [mine, fresh] = [new Uint8Array(index.size), new Uint8Array(index.size)];
          expect([carry.scan(index, buf, mine, from), mine]).toEqual([index.scan(buf, fresh, from), fresh]);
        });
      }),
      { numRuns: 200, seed: 20261205 },
    );
  });

  it('answer a fresh scan when pushes of 4–9 KB follow short ones, with non-ASCII text (property)', () => {
    fc.assert(
      fc.property(mixedOf(600, 900, 'max'), fc.array(fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 4100, max: 9000 })), { minLength: 1, maxLength: 6 }), (text, cuts) => {
        streamInto(text, cuts, 12_000, (carry, buf, n) => {
          const from = Math.max(0, buf.length - n - 30);
          expect(seen((p, h) => carry.scan(index, buf, p, from, h))).toEqual(seen((p, h) => index.scan(buf, p, from, buf.length, h)));
        });
      }),
      { numRuns: 20, seed: 20261207 },
    );
  });

  it('answer a fresh scan from any point over long keyword-dense streams with a moving front (property)', () => {
    fc.assert(
      fc.property(denseText, fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }), fc.nat(), fc.integer({ min: 40, max: 400 }), (text, cuts, f, keep) => {
        streamInto(text, cuts, keep, (carry, buf, _n, k) => {
          // Searches from the end's reach, and now and then from the buffer's front.
          for (const from of [Math.max(0, buf.length - ((f + k) % 300)), k % 5 === 0 ? 0 : buf.length]) {
            expect(seen((p, h) => carry.scan(index, buf, p, from, h))).toEqual(seen((p, h) => index.scan(buf, p, from, buf.length, h)));
          }
        });
      }),
      { numRuns: 150, seed: 20261206 },
    );
  });
});
