/**
 * A stream keeps a bounded window of what it forwarded (stream-masker.ts: LOOKBEHIND, the
 * in-progress search TAIL_WINDOW back). Its output must still be what whole-text masking gives
 * when a long run of blanks separates a secret from what names it: a match whose filler
 * (`Bearer\s+`, `[ \t]*` before `Password=`) could stretch past the window was forwarded
 * unmasked or tagged differently (issue 13; docs/benchmarks.md, win24 and gap24). The
 * detectors' fillers are bounded well inside the window, and the window starts after a line
 * break where one is near (docs/masking.md, "What a stream keeps").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { StreamingMasker } from '../../proxy/masking/index.js';
import { MIXED_SIZES, streamed } from '../helpers/blank-runs.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });
const CHUNKINGS = [[1], [7], [16], [64], [1024], MIXED_SIZES];

function streamedFindings(text: string, sizes: number[]): string[] {
  const sm = new StreamingMasker(masker);
  for (let pos = 0, k = 0; pos < text.length; k++) {
    const n = sizes[k % sizes.length]!;
    sm.push(text.slice(pos, pos + n));
    pos += n;
  }
  sm.flush();
  return sm.findings.map((f) => `${f.type}@${f.start}-${f.end}`);
}

describe('streamed = whole text after long blank runs', () => {
  it('a bearer token 1,100 spaces after `Authorization: Bearer` streams as whole text masks it', () => {
    const token = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tV';
    const text = `Authorization: Bearer${' '.repeat(1100)}${token}\nnext line\n`;
    const whole = masker.mask(text).text;
    for (const sizes of CHUNKINGS) expect(streamed(masker, text, sizes), `pushes of ${sizes.join(',')}`).toBe(whole);
  });

  it('the same token 40 spaces after `Bearer` is masked, whole and streamed', () => {
    const token = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tV';
    const text = `Authorization: Bearer${' '.repeat(40)}${token}\n`;
    const whole = masker.mask(text).text;
    expect(whole).not.toContain(token);
    for (const sizes of CHUNKINGS) expect(streamed(masker, text, sizes), `pushes of ${sizes.join(',')}`).toBe(whole);
  });

  it('`Password=` 1,100 spaces into a line keeps its whole-text tag when streamed', () => {
    const text = `Server=db1 x${' '.repeat(1100)}Password=Xk9mQ2vLp7zR;\n`;
    const whole = masker.mask(text);
    const tags = whole.findings.map((f) => `${f.type}@${f.start}-${f.end}`);
    for (const sizes of CHUNKINGS) {
      expect(streamed(masker, text, sizes), `pushes of ${sizes.join(',')}`).toBe(whole.text);
      expect(streamedFindings(text, sizes), `pushes of ${sizes.join(',')}`).toEqual(tags);
    }
  });

  it('`Password=` after tabs at a line start, or after a `;`, keeps its tag past a long first line', () => {
    for (const before of ['\t\t', ';  ', '']) {
      const text = `${'x'.repeat(1500)}\n${before}Password=Xk9mQ2vLp7zR;\n`;
      const whole = masker.mask(text);
      expect(whole.findings.map((f) => f.type)).toContain('connection-string-password');
      for (const sizes of CHUNKINGS) expect(streamedFindings(text, sizes), `${JSON.stringify(before)}, pushes of ${sizes.join(',')}`).toEqual(whole.findings.map((f) => `${f.type}@${f.start}-${f.end}`));
    }
  });

  it('any blank run between a key and its value streams as whole text masks it (property)', () => {
    const blank = fc.array(fc.constantFrom(' ', '\t', '\n', '  '.repeat(40), '\t'.repeat(100), '\n'.repeat(200), ' '.repeat(700)), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(''));
    const head = fc.constantFrom('Authorization: Bearer', 'token', 'Server=db1 x', 'Server=db1;', 'x ', 'AccountKey =', 'password', 'DATADOG_API_KEY=', 'api_key:', 'Basic');
    const value = fc.constantFrom('Xk9mQ2vLp7zR;', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tV', 'Password=Xk9mQ2vLp7zR;', '0123456789abcdef0123456789abcdef', 'dGhpcyBpcyBhIHRlc3Q6cGFzcw==');
    const sizes = fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), head, blank, value, sizes, (pre, h, b, v, chunks) => {
        const text = `${pre}${h}${b}${v}\n`;
        expect(streamed(masker, text, chunks)).toBe(masker.mask(text).text);
      }),
      { numRuns: 300, seed: 2026_1204 },
    );
  });
});
