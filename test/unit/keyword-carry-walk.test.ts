/**
 * The carried keyword scan's two walks (keyword-carry.ts): the WebAssembly walk over new
 * stretches of WASM_FROM characters or more (carry-walk.ts) and the string walk below that,
 * and the positions kept relative to an origin that moves as the stream goes on. Each must
 * give what a fresh scan of the buffer gives.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CARRY_SLICE, CarryWalker } from '../../proxy/masking/carry-walk.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { KeywordCarry, WASM_FROM } from '../../proxy/masking/keyword-carry.js';
import { Hits } from '../../proxy/masking/keywords.js';
import { prefilterFor } from '../../proxy/masking/scan.js';
import { streamInto } from '../helpers/keyword-stream.js';

const index = prefilterFor(ALL_DETECTORS).index;
const everyKeyword = new Uint8Array(index.size).fill(1);

/** Keywords in random case between fillers of every UTF-8 length, and keywords' shadows (each character c as U+0100 + c or U+6100 + c: no keyword, but a walk that took a unit's low byte would find one). */
const text = fc
  .array(fc.tuple(fc.constantFrom(...index.keywords), fc.constantFrom(' ', 'x', '\n', 'é', '€', '😀', 'zz', '', 'words, none a keyword '), fc.constantFrom('', 'up', 'shadow', 'shadow2')), { minLength: 20, maxLength: 200 })
  .map((parts) =>
    parts
      .map(([k, f, form]) => {
        const shadow = (hi: number, w: string) => String.fromCharCode(...[...w].map((c) => hi + c.charCodeAt(0)));
        return (form === 'up' ? k.toUpperCase() : form === 'shadow' ? shadow(0x100, k) : form === 'shadow2' ? shadow(0x6100, k.toUpperCase()) : k) + f;
      })
      .join(''),
  );

/** What the carry finds from `from` on (state, keywords seen, hits), and what a fresh scan finds. */
function both(carry: KeywordCarry, buf: string, from: number) {
  const run = (scan: (p: Uint8Array, h: Hits) => number) => {
    const hits = new Hits(everyKeyword);
    const state = scan(new Uint8Array(index.size), hits);
    return { state, seen: [...hits.seen.subarray(0, hits.seenCount)], hits: [...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`) };
  };
  return [run((p, h) => carry.scan(index, buf, p, from, h)), run((p, h) => index.scan(buf, p, from, buf.length, h))] as const;
}

afterEach(() => vi.restoreAllMocks());

describe('the carried scan', () => {
  it('reads stretches of WASM_FROM characters or more with the WebAssembly walk, shorter ones with the string walk, and both answer as a fresh scan (property)', () => {
    const walks = vi.spyOn(CarryWalker.prototype, 'walk');
    let long = 0;
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 3 * WASM_FROM }), { minLength: 1, maxLength: 8 }), (t, cuts) => {
        const carry = new KeywordCarry();
        let buf = '';
        for (let k = 0, at = 0; at < t.length; k++) {
          const n = cuts[k % cuts.length]!;
          const piece = t.slice(at, at + n);
          at += n;
          buf += piece;
          const before = walks.mock.calls.length;
          const [mine, fresh] = both(carry, buf, Math.max(0, buf.length - piece.length - 20));
          expect(mine).toEqual(fresh);
          // Read: the piece and the 20 characters before it that were already read, i.e. the piece.
          expect(walks.mock.calls.length - before).toBe(piece.length >= WASM_FROM ? 1 : 0);
          if (piece.length >= WASM_FROM) long++;
        }
      }),
      { numRuns: 80, seed: 20261204 },
    );
    expect(long).toBeGreaterThan(50);
  });

  it('reads a stretch longer than the WebAssembly walk takes at once in slices, carrying the state across them', () => {
    const walks = vi.spyOn(CarryWalker.prototype, 'walk');
    // Keywords at the slice boundaries: one split by each, one ending on each.
    const k = index.keywords.find((w) => w.length >= 6)!;
    let t = 'é'.repeat(CARRY_SLICE - 3) + k + 'x'.repeat(CARRY_SLICE - k.length) + k + ' ';
    t += t.toUpperCase();
    const carry = new KeywordCarry();
    const [mine, fresh] = both(carry, t, 0);
    expect(mine).toEqual(fresh);
    // The keyword across the first boundary, one ending at the second, and both again in upper case.
    for (const at of [CARRY_SLICE - 3, 2 * CARRY_SLICE - 3]) expect(fresh.hits).toEqual(expect.arrayContaining([`${index.id(k)}@${at}`, `${index.id(k)}@${at + t.length / 2}`]));
    expect(walks.mock.calls.length).toBe(Math.ceil(t.length / CARRY_SLICE));
  });

  it('answers a fresh scan when its positions are moved to a new origin many times (property)', () => {
    // rebaseAt 64: the origin moves every few pushes, with occurrences kept from before.
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 40, max: 400 }), fc.nat(), (t, cuts, keep, f) => {
        streamInto(
          t,
          cuts,
          keep,
          (carry, buf, n, k) => {
            for (const from of [Math.max(0, buf.length - n - (f % 40)), Math.max(0, buf.length - ((f + k) % 300))]) {
              const [mine, fresh] = both(carry, buf, from);
              expect(mine).toEqual(fresh);
            }
          },
          new KeywordCarry(64),
        );
      }),
      { numRuns: 150, seed: 20261209 },
    );
  });
});
