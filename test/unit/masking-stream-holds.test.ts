/**
 * The streaming hold-back's shortcuts must decide exactly what the plain checks decide:
 * `\s` as a code-point test, the exact-case start literals of case-sensitive patterns, and
 * the prose holds' run test reading each window from its end, and those holds' facts kept
 * from push to push (which answer most pushes without a search).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactStarts, literalStarts, startsWithAny } from '../../proxy/masking/anchors.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { hasLongRun, holdOwnLineValue, holdProseValue } from '../../proxy/masking/detectors/named-after.js';
import type { HoldMemo } from '../../proxy/masking/detector.js';
import { RunFacts } from '../../proxy/masking/detectors/run-facts.js';
import { holdUntilKind } from '../../proxy/masking/detectors/yaml-doc.js';
import { isLineBreak, isWhiteSpace } from '../../proxy/masking/white-space.js';

describe('white space as a code-point test', () => {
  it('is /\\s/ for every UTF-16 code unit', () => {
    const differing: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isWhiteSpace(c) !== /\s/.test(String.fromCharCode(c))) differing.push(c);
    expect(differing).toEqual([]);
  });

  it('has the line breaks of `.` and the m flag\'s anchors for every UTF-16 code unit', () => {
    const differing: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isLineBreak(c) !== !/./.test(String.fromCharCode(c))) differing.push(c);
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

describe('the named-after holds with a memo (what earlier pushes established)', () => {
  // Pieces that make and break the values the holds look for: quoted and bare values of
  // about the least lengths, words and blanks between them, line breaks and the phrases.
  const value = (n: number) => 'Zq8Lm2Vb7Tz_R4wP-n8Xk3Hs9Jd/5Fc+6Gy'.repeat(2).slice(0, n);
  const piece = fc.oneof(
    fc.integer({ min: 12, max: 30 }).map(value),
    fc.integer({ min: 14, max: 20 }).map((n) => `"${value(n)}"`),
    fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\n\n', '"', '.', '~', '-', ' is my Stripe key', ' a valid API key', '\n^ that\'s the API key', "\nthat's my", 'word', 'a.b.c.d', '\u2028', '\u00a0'),
    // The longest phrases the holds wait for: seven blank runs after a value, four line starts.
    fc.constantFrom(' is my valid Stripe Live api key', ' is my', ' valid', ' Stripe', ' Live', ' api', '\r\n\r\n', '\r\n \r\n ^ ', "that's the", ' my deploy API key'),
  );
  type Hold = (text: string, from: number, memo?: HoldMemo) => number | null;

  /** Feeds the stream in pushes, the held text starting anywhere not before the last push's and the window dropping text before it, as the streaming masker does. */
  const sameAsWithout = (holds: Hold[], shared?: Record<string, unknown>, big = false) => {
    const seen = { calls: 0, held: 0 };
    // (big: pushes of up to ~2,000 characters, longer than the holds' window, so that the facts skip text.)
    const pieces = big ? fc.array(piece, { minLength: 20, maxLength: 120 }) : fc.array(piece, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(pieces, fc.nat(), fc.nat()), { minLength: 1, maxLength: big ? 8 : 30 }), (pushes) => {
        let whole = '';
        let base = 0;
        let from = 0;
        // (As in the streaming masker, the holds may share their facts: one memo each, one shared object.)
        const memos: HoldMemo[] = holds.map(() => ({ base: 0, ...(shared ? { shared: {} } : {}) }));
        for (const m of memos) if (shared) m.shared = memos[0]!.shared;
        for (const [parts, f, trim] of pushes) {
          whole += parts.join('');
          from += f % (whole.length - from + 1);
          // The window keeps at least one character before the held text once it has dropped any.
          if (from > 1) base += trim % (from - base);
          const text = whole.slice(base);
          holds.forEach((hold, k) => {
            memos[k]!.base = base;
            const h = hold(text, from - base);
            expect(hold(text, from - base, memos[k])).toBe(h);
            seen.calls++;
            if (h !== null) seen.held++;
          });
        }
      }),
      { numRuns: big ? 400 : 3000, seed: 20261203 },
    );
    return seen;
  };

  it('holdProseValue decides as it does without one (property)', () => {
    const seen = sameAsWithout([holdProseValue]);
    // (The generated streams do reach values that are held, often.)
    expect(seen.held).toBeGreaterThan(seen.calls / 20);
  });

  it('holdOwnLineValue decides as it does without one (property)', () => {
    const seen = sameAsWithout([holdOwnLineValue]);
    expect(seen.held).toBeGreaterThan(seen.calls / 100);
  });

  it('both decide as they do without one when they share their facts, as in a stream (property)', () => {
    const seen = sameAsWithout([holdOwnLineValue, holdProseValue], {});
    expect(seen.held).toBeGreaterThan(seen.calls / 50);
  });

  it('both decide as they do without one when a push is longer than their window (property)', () => {
    const seen = sameAsWithout([holdOwnLineValue, holdProseValue], {}, true);
    expect(seen.held).toBeGreaterThan(seen.calls / 50);
  });

  it('their facts answer as a full read does about every place at or after the `need` they skip to (property)', () => {
    // A stream read with `need` (skipping what lies before the run containing it) and one
    // read whole must answer alike for every value end and line start at or after `need`.
    let asked = 0;
    let yes = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(piece, { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(120)), { minLength: 1, maxLength: 20 }), (pushes) => {
        let whole = '';
        let base = 0;
        const skipping = new RunFacts(0);
        const full = new RunFacts(0);
        let need = 0;
        for (const [parts, trim, window] of pushes) {
          whole += parts.join('');
          base += trim % (whole.length - base);
          const text = whole.slice(base);
          // (As the holds ask: `need` never goes back, since the end only grows.)
          need = Math.max(need, whole.length - window);
          skipping.read(text, base, need);
          full.read(text, base);
          for (let lo = Math.max(base, need); lo <= whole.length; lo++) {
            expect(skipping.mayHoldOwnLine(lo)).toBe(full.mayHoldOwnLine(lo));
            for (const from of [base, Math.max(base, lo - 40), lo]) {
              const answer = full.mayHoldProse(text, base, from, lo);
              expect(skipping.mayHoldProse(text, base, from, lo)).toBe(answer);
              asked++;
              if (answer) yes++;
            }
          }
        }
      }),
      { numRuns: 300, seed: 20261204 },
    );
    expect(yes).toBeGreaterThan(asked / 50);
  });

  it('holds a value while the words after it may still name it, with a memo', () => {
    const v = value(26);
    const memo: HoldMemo = { base: 0 };
    expect(holdProseValue(`use ${v} is my Stri`, 0, memo)).toBe(4);
    expect(holdProseValue(`use ${v} is my Stripe and more words`, 0, memo)).toBeNull();
    expect(holdOwnLineValue(`${v}\n^ that's the`, 0, { base: 0 })).toBe(0);
  });
});

/** holdUntilKind read plainly: every line checked against every rule (the kept version looks only at lines whose first character may matter). */
function kindHoldReference(text: string): number | null {
  let dataEnd = -1;
  let kind = false;
  let pos = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', pos)) {
    const line = text.slice(pos, nl);
    if (pos > 0 && line.startsWith('---')) {
      dataEnd = -1;
      kind = false;
    } else {
      const m = /^(?:data|stringData):[ \t]*$/m.exec(line);
      if (dataEnd < 0 && m && /^(?:data|stringData):/.test(line)) dataEnd = pos + m.index + m[0].length;
      if (/^kind:[ \t]*\S+[ \t]*\r?$/.test(line)) kind = true;
    }
    pos = nl + 1;
  }
  if (pos > 0 && text.startsWith('---', pos)) return null;
  const m = /^(?:data|stringData):[ \t]*$/m.exec(text.slice(pos));
  if (dataEnd < 0 && text.length - pos < 64 && m && text.indexOf('ata:', pos) >= 0) dataEnd = pos + m.index + m[0].length;
  return dataEnd < 0 || kind ? null : dataEnd;
}

describe('the kind: Secret hold with a memo', () => {
  it('decides as a fresh read of the whole stream does, however the lines arrive (property)', () => {
    const piece = fc.constantFrom('data:', 'stringData:', '\n', '\r\n', 'kind: Secret', 'kind:', ' Secret', '---', '--- \n', '  a: b', 'ata:', 'x'.repeat(70), 'd', 'ata: ', ' ');
    const seen = { calls: 0, held: 0 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(piece, { minLength: 1, maxLength: 5 }), fc.nat()), { minLength: 1, maxLength: 30 }), (pushes) => {
        let whole = '';
        let base = 0;
        const memo: HoldMemo = { base: 0 };
        for (const [parts, trim] of pushes) {
          whole += parts.join('');
          memo.base = base;
          const h = holdUntilKind(whole.slice(base), 0, memo);
          const fresh = holdUntilKind(whole, 0, { base: 0 });
          expect(fresh).toBe(kindHoldReference(whole));
          // (A hold before the window is one from its start: the stream forwarded that text long ago.)
          expect(h === null ? null : h + base).toBe(fresh === null ? null : Math.max(fresh, base));
          seen.calls++;
          if (fresh !== null) seen.held++;
          // Then the window drops text read already, up to the line still arriving (the stream keeps more).
          const lineStart = whole.lastIndexOf('\n') + 1;
          if (lineStart > base + 1) base += trim % (lineStart - base);
        }
      }),
      { numRuns: 2000, seed: 20261203 },
    );
    expect(seen.held).toBeGreaterThan(seen.calls / 20);
  });
});
