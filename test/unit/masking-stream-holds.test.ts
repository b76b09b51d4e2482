/**
 * The streaming hold-back's shortcuts must decide exactly what the plain checks decide:
 * `\s` as a code-point test, the exact-case start literals of case-sensitive patterns, and
 * the prose holds reading a stream's characters once (their memo) instead of re-reading the
 * text still held on every push.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactStarts, literalStarts, startsWithAny } from '../../proxy/masking/anchors.js';
import type { HoldMemo } from '../../proxy/masking/detector.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { holdOwnLineValue, holdProseValue } from '../../proxy/masking/detectors/named-after.js';
import { isWhiteSpace } from '../../proxy/masking/white-space.js';

describe('white space as a code-point test', () => {
  it('is /\\s/ for every UTF-16 code unit', () => {
    const differing: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isWhiteSpace(c) !== /\s/.test(String.fromCharCode(c))) differing.push(c);
    expect(differing).toEqual([]);
  });
});

describe('exact-case start literals', () => {
  it('are the literals in their own case, and none for a case-insensitive pattern', () => {
    expect(exactStarts(/(?:MT|Nz|OD)[A-Za-z0-9]{20}/)?.sort()).toEqual(['MT', 'Nz', 'OD']);
    expect(exactStarts(/[Mm]T\d/)?.sort()).toEqual(['MT', 'mT']);
    expect(exactStarts(/Basic\s+x/i)).toBeNull();
    expect(exactStarts(/[a-z]+x/)).toBeNull();
    expect(startsWithAny('the code', 5, ['OD'])).toBe(false);
    expect(startsWithAny('x ODk', 2, ['MT', 'OD'])).toBe(true);
  });

  it('every match of a case-sensitive detector starts with one of them (all detectors, generated text)', () => {
    const sensitive = ALL_DETECTORS.flatMap((d) => [d.pattern, ...(d.tail ? [d.tail] : [])]).filter((re) => exactStarts(re) !== null);
    expect(sensitive.length).toBeGreaterThan(10);
    const lits = [...new Set(sensitive.flatMap((re) => literalStarts(re)!))];
    const piece = fc.oneof(fc.constantFrom(...lits, ...lits.map((l) => l.toUpperCase())), fc.stringMatching(/^[A-Za-z0-9_\-.:/ ]{1,40}$/));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((xs) => xs.join('')), (text) => {
        for (const re of sensitive) {
          const g = new RegExp(re.source, re.flags.replace(/[gy]/g, '') + 'g');
          for (const m of text.matchAll(g)) expect(startsWithAny(text, m.index, exactStarts(re)!)).toBe(true);
        }
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });
});

describe('the prose holds over a stream', () => {
  // Values, phrases that call them keys, line breaks and blanks, in any mix.
  const pieces = [' ', '  ', '\t', '\n', '\r\n', '"', ' is my Stripe key', " that's the API key", '^ ', 'sk9Xq2LmVb7TzR4wPn8KcJ5dHf3GyA6e', 'abc', 'https://example.com/a/b', 'a=b', '\nXq2LmVb7TzR4wPn8\n', '"Xq2LmVb7TzR4wPn8"', 'Kc5dHf3GyA6eXq2LmVb7TzR4'];
  const textArb = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.stringMatching(/^[A-Za-z0-9+/_\-.=~]{1,40}$/)), { minLength: 1, maxLength: 30 }).map((xs) => xs.join(''));

  it('hold a value on its own line or before a phrase at the same place, pushed a character at a time from any point', () => {
    // Values at the lengths where the holds begin to apply (16 on its own line, 16 quoted, 24 bare).
    const texts = ['intro\nXq2LmVb7TzR4wPn8\n that', 'intro\r\nXq2LmVb7TzR4wPn8\r\n\r\n ^ it', 'use Kc5dHf3GyA6eXq2LmVb7TzR4 is my Str', 'say "Xq2LmVb7TzR4wPn8" is my', 'Xq2LmVb7TzR4wPn8'];
    let held = 0;
    for (const text of texts) {
      for (const hold of [holdProseValue, holdOwnLineValue]) {
        for (let from = 0; from <= text.length; from++) {
          const memo: HoldMemo = { base: 0 };
          for (let end = from; end <= text.length; end++) {
            const streamed = hold(text.slice(0, end), from, memo);
            expect(streamed).toBe(hold(text.slice(0, end), from));
            if (streamed !== null) held++;
          }
        }
      }
    }
    expect(held).toBeGreaterThan(50);
  });

  it('give what they give on the whole text, for any pushes, from, and look-behind trim (property)', () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 30 }), fc.nat(), (text, cuts, seed) => {
        for (const hold of [holdProseValue, holdOwnLineValue]) {
          const memo: HoldMemo = { base: 0 };
          let end = 0;
          let from = 0;
          let k = 0;
          while (end < text.length) {
            end = Math.min(text.length, end + cuts[k++ % cuts.length]!);
            // The stream's own monotone `from`, and a window that drops forwarded text.
            from = Math.min(end, from + ((seed >> k % 16) & 1 ? cuts[(k + 1) % cuts.length]! : 0));
            const base = Math.max(0, Math.min(from, end - 200) - ((seed + k) % 7));
            memo.base = base;
            const window = text.slice(base, end);
            const streamed = hold(window, from - base, memo);
            const whole = hold(window, from - base);
            expect(streamed).toBe(whole);
          }
        }
      }),
      { numRuns: 500, seed: 20261203 },
    );
  });
});
