/**
 * The streaming hold-back's shortcuts must decide exactly what the plain checks decide:
 * `\s` as a code-point test, the exact-case start literals of case-sensitive patterns, and
 * the prose holds' run test reading each window from its end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactStarts, literalStarts, startsWithAny } from '../../proxy/masking/anchors.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { hasLongRun } from '../../proxy/masking/detectors/named-after.js';
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

describe('the prose holds\' run test', () => {
  /** The plain definition: some n consecutive characters in [from, to) without ASCII white space. */
  const naive = (text: string, from: number, to: number, n: number) => {
    for (let i = from; i + n <= to; i++) if (!/[ \t\n\v\f\r]/.test(text.slice(i, i + n))) return true;
    return false;
  };

  it('is the plain definition at the boundaries', () => {
    const w = 'Xq2LmVb7TzR4wPn8'; // 16
    expect(hasLongRun(w, 0, 16, 16)).toBe(true);
    expect(hasLongRun(w, 1, 16, 16)).toBe(false);
    expect(hasLongRun(w, 0, 15, 16)).toBe(false);
    expect(hasLongRun(` ${w} `, 0, 18, 16)).toBe(true);
    expect(hasLongRun(`${w.slice(0, 8)} ${w.slice(8)}`, 0, 17, 16)).toBe(false);
    expect(hasLongRun(`a\u000b${w}`, 0, 18, 16)).toBe(true);
  });

  it('is the plain definition on any text, range and length (property)', () => {
    const text = fc.array(fc.constantFrom('a', 'b', ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', 'xyzxyzxyz'), { maxLength: 120 }).map((xs) => xs.join(''));
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 24 }), (t, a, b, n) => {
        const from = t.length ? a % (t.length + 1) : 0;
        const to = from + (t.length - from ? b % (t.length - from + 1) : 0);
        expect(hasLongRun(t, from, to, n)).toBe(naive(t, from, to, n));
      }),
      { numRuns: 3000, seed: 20261203 },
    );
  });
});
