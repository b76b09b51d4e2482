/**
 * The Kubernetes Secret hold (detectors/yaml-doc.ts) reads the lines of a long stretch of new
 * text (a 1 KB push) by the starts that matter ("---", "data:", "stringData:", "kind:"), not
 * line by line (fixed23). Its answers must be those of reading every line: the same text in
 * pushes short enough to be read line by line gives the same hold after every long push.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HoldMemo } from '../../proxy/masking/detector.js';
import { holdUntilKind, LONG_STRETCH } from '../../proxy/masking/detectors/yaml-doc.js';

const LINES = ['---', '--', '---x', '- item', 'data:', 'data: x', 'data:\r', 'stringData:', 'kind: Secret', 'kind: ConfigMap', 'kind:', 'kind: Secret\r', 'k', 'd', 's', '  key: dmFsdWU=', 'some prose, é and more words', ''];

describe('holdUntilKind over long pushes', () => {
  it('holds as when every line is read in turn', () => {
    let longPushes = 0;
    const doc = fc.array(fc.constantFrom(...LINES), { minLength: 1, maxLength: 200, size: 'max' }).map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(doc, fc.array(fc.integer({ min: 1, max: 3 * LONG_STRETCH }), { minLength: 1, maxLength: 8 }), (text, sizes) => {
        const long: HoldMemo = { base: 0 };
        const short: HoldMemo = { base: 0 };
        for (let pos = 0, k = 0; pos < text.length; k++) {
          const end = Math.min(text.length, pos + sizes[k % sizes.length]!);
          // The same text in pieces of at most 40 characters: each read line by line.
          let want: number | null = null;
          for (let p = pos + 40; ; p += 40) {
            want = holdUntilKind(text.slice(0, Math.min(p, end)), 0, short);
            if (p >= end) break;
          }
          if (end - pos > LONG_STRETCH) longPushes++;
          expect(holdUntilKind(text.slice(0, end), 0, long)).toBe(want);
          pos = end;
        }
      }),
      { seed: 2315, numRuns: 500 },
    );
    // (The long reading was taken: pushes with a line break and LONG_STRETCH characters after it.)
    expect(longPushes).toBeGreaterThan(300);
  });
});
