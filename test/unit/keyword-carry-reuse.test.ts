/**
 * What the carried keyword scan (keyword-carry.ts) keeps from call to call of one stream:
 * each automaton's WebAssembly walker, looked up once, and where the last search began
 * (a search from at or before that point continues from there). Stale, either would give
 * another automaton's or another search's answer: every search must still be answered as a
 * fresh scan of the buffer from its point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { KeywordCarry, WASM_FROM } from '../../proxy/masking/keyword-carry.js';
import { Hits, type KeywordIndex } from '../../proxy/masking/keywords.js';
import { prefilterFor } from '../../proxy/masking/scan.js';
import { streamInto } from '../helpers/keyword-stream.js';

const all = prefilterFor(ALL_DETECTORS).index;
// A second automaton over a few detectors' keywords: other states, other rows.
const few = prefilterFor(ALL_DETECTORS.filter((_, i) => i % 7 === 3)).index;

/** Keywords of the full automaton in random case between fillers. */
const text = fc
  .array(fc.tuple(fc.constantFrom(...all.keywords), fc.constantFrom(' ', 'x', '\n', 'é', 'zz', ''), fc.boolean()), { minLength: 20, maxLength: 150 })
  .map((parts) => parts.map(([k, f, up]) => (up ? k.toUpperCase() : k) + f).join(''));

function found(index: KeywordIndex, scan: (present: Uint8Array, hits: Hits) => number) {
  const hits = new Hits(new Uint8Array(index.size).fill(1));
  const state = scan(new Uint8Array(index.size), hits);
  return { state, seen: [...hits.seen.subarray(0, hits.seenCount)], hits: [...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`) };
}

describe('the carried scan of one stream', () => {
  it('reads long stretches with each automaton’s own walker when two automata alternate (property)', () => {
    expect(few.size).toBeLessThan(all.size);
    let long = 0;
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: WASM_FROM, max: 3 * WASM_FROM }), { minLength: 1, maxLength: 6 }), fc.boolean(), (t, cuts, fewFirst) => {
        const carry = new KeywordCarry();
        let buf = '';
        for (let k = 0, at = 0; at < t.length; k++) {
          const n = cuts[k % cuts.length]!;
          buf += t.slice(at, at + n);
          at += n;
          const from = Math.max(0, buf.length - n - 10);
          // Both automata read the push's new characters (each its own carry), in either order.
          for (const index of fewFirst ? [few, all] : [all, few]) {
            expect(found(index, (p, h) => carry.scan(index, buf, p, from, h))).toEqual(found(index, (p, h) => index.scan(buf, p, from, buf.length, h)));
          }
          if (n >= WASM_FROM && at <= t.length) long++;
        }
      }),
      { numRuns: 60, seed: 20261204 },
    );
    expect(long).toBeGreaterThan(100);
  });

  it('answers every search of a push as a fresh scan when searches start at, before and after the last one, over a dense stream whose front moves (property)', () => {
    // Dense: hundreds of occurrences, so the store drops, compacts and grows between searches;
    // rebaseAt 64 moves the origin every few pushes.
    const dense = fc
      .array(fc.tuple(fc.constantFrom(...all.keywords), fc.constantFrom(' ', 'x', '=', 'é', ''), fc.boolean()), { minLength: 100, maxLength: 300 })
      .map((parts) => parts.map(([k, f, up]) => (up ? k.toUpperCase() : k) + f).join(''));
    let backwards = 0;
    fc.assert(
      fc.property(
        dense,
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat({ max: 400 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 60, max: 500 }),
        fc.boolean(),
        (t, cuts, backs, keep, rebaseOften) => {
          streamInto(
            t,
            cuts,
            keep,
            (carry, buf, _n, k) => {
              // Searches from points this far back (the same point twice, earlier, later), rotated per push.
              let last = -1;
              for (let j = 0; j < backs.length; j++) {
                const from = Math.max(0, buf.length - backs[(j + k) % backs.length]!);
                if (from < last) backwards++;
                last = from;
                expect(found(all, (p, h) => carry.scan(all, buf, p, from, h))).toEqual(found(all, (p, h) => all.scan(buf, p, from, buf.length, h)));
              }
            },
            new KeywordCarry(rebaseOften ? 64 : undefined),
          );
        },
      ),
      { numRuns: 120, seed: 20261205 },
    );
    expect(backwards).toBeGreaterThan(500);
  });
});

