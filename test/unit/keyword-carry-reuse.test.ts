/**
 * What the carried keyword scan (keyword-carry.ts) keeps from call to call of one stream:
 * each automaton's WebAssembly walker, looked up once. A stream whose plans use different
 * automata must still have each stretch read by its own automaton's walker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { KeywordCarry, WASM_FROM } from '../../proxy/masking/keyword-carry.js';
import { Hits, type KeywordIndex } from '../../proxy/masking/keywords.js';
import { prefilterFor } from '../../proxy/masking/scan.js';

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
});
