/**
 * url-password's user and password characters are written `(?![…])\S` instead of the class
 * `[^\s…]` (auth.ts: V8 checks the class by a C++ call per character in a two-byte string).
 * The rewrite must accept exactly the same code units, and the detector's patterns must be
 * the old ones with only those classes replaced.
 */
import { describe, expect, it } from 'vitest';
import { authDetectors } from '../../proxy/masking/detectors/auth.js';

/** [the class as it was, the form used now] */
const FORMS: Array<[string, string]> = [
  ['[^\\s:@/?#"\'`<>]', '(?:(?![:@/?#"\'`<>])\\S)'],
  ['[^\\s@/?#"\'`<>]', '(?:(?![@/?#"\'`<>])\\S)'],
  ['[^\\s/@?#"\'`<>]', '(?:(?![/@?#"\'`<>])\\S)'],
];

/** The patterns before the rewrite. */
const OLD_PATTERN = /:\/\/(?<=\b[a-z][a-z0-9+.\-]{1,20}:\/\/)[^\s:@/?#"'`<>]{0,200}:(?<secret>[^\s@/?#"'`<>]{1,300})@(?:[A-Za-z0-9.\-_[\]:]|(?![\s\S]))/dgi;
const OLD_TAIL = /:(?<=\b[a-z][a-z0-9+.\-]{1,20}:)(?:\/(?:\/[^\s/@?#"'`<>]*)?)?$/i;

describe('url-password character classes', () => {
  it.each(FORMS)('%s and %s accept the same code units, 0 to 0xFFFF, with and without the i flag', (was, now) => {
    for (const flags of ['', 'i']) {
      const a = new RegExp(`^${was}$`, flags);
      const b = new RegExp(`^${now}$`, flags);
      const differ: number[] = [];
      for (let c = 0; c <= 0xffff; c++) {
        const s = String.fromCharCode(c);
        if (a.test(s) !== b.test(s)) differ.push(c);
      }
      expect(differ).toEqual([]);
    }
  });

  it('the detector is the old pattern and tail with only those classes replaced', () => {
    const d = authDetectors.find((x) => x.id === 'url-password')!;
    const back = (src: string) => FORMS.reduce((s, [was, now]) => s.split(now).join(was), src);
    expect(back(d.pattern.source)).toBe(OLD_PATTERN.source);
    expect(d.pattern.flags).toBe(OLD_PATTERN.flags);
    expect(back(d.tail!.source)).toBe(OLD_TAIL.source);
    expect(d.tail!.flags).toBe(OLD_TAIL.flags);
  });

  it('finds the same passwords as before in one- and two-byte text', () => {
    const d = authDetectors.find((x) => x.id === 'url-password')!;
    const texts = [
      'db: postgres://app:s3cr3t-P4ss@db.internal:5432/x and redis://:hunter22@cache',
      'curly \u2019 quote: https://user:pa\u00a0ss@host https://u:p\u2028w@h https://u:p\u3000x@h https://u:p\u00e9\u4e2d@h',
      'https://u:p`q@h https://u:p<q@h https://u:p#q@h ftp://a:b:c@h https://u@h:p@h https://u:p\u000bq@h https://u:p\u0001q@h',
    ];
    for (const t of texts) {
      const all = (re: RegExp) => [...t.matchAll(new RegExp(re.source, re.flags))].map((m) => [m.index, m[0], m.groups!.secret]);
      expect(all(d.pattern)).toEqual(all(OLD_PATTERN));
    }
  });
});
