/**
 * The private-key pattern reads a block's body greedily, a dash only where the END line does
 * not begin (keys.ts): it must match exactly as the lazy form it replaced, which tried the END
 * line and the end of the body at every character.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyDetectors, PRIVATE_KEY_BLOCK_REST } from '../../proxy/masking/detectors/keys.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const pattern = keyDetectors.find((d) => d.id === 'private-key')!.pattern;
/** The body as the pattern read it before: lazily, trying the END line and the body's end at every character. */
const LAZY_BODY = String.raw`[^"'\x60{}]{0,20000}?(?:-----END \k<kind>-----|(?![^"'\x60{}]))`;
const lazy = new RegExp(pattern.source.replace(PRIVATE_KEY_BLOCK_REST, LAZY_BODY), pattern.flags);

/** Every match of `re` in `text`: where, what, and each group's span. */
function matches(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => JSON.stringify([m.index, m[0], m.indices?.groups ?? null]));
}

const PIECES = ['-----BEGIN ', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', 'PRIVATE KEY', ' BLOCK', '-----', '-----END ', '-', '--', '----', 'MIIEvQ', 'b3BlbnNzaC1rZXk', '\n', '\\n', '\r\n', ' ', '"', "'", '`', '{', '}', 'Proc-Type: 4,ENCRYPTED', 'é'];

describe('the private-key pattern', () => {
  it('is the lazy form with the greedy body in its place', () => {
    expect(pattern.source.split(PRIVATE_KEY_BLOCK_REST).length).toBe(2);
    expect(lazy.source).not.toBe(pattern.source);
  });

  it('matches as the lazy form on the corpora', () => {
    let found = 0;
    for (const file of [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS]) {
      for (const e of loadCorpus(file)) {
        const got = matches(pattern, e.text);
        expect(got, e.id).toEqual(matches(lazy, e.text));
        found += got.length;
      }
    }
    expect(found).toBeGreaterThan(100);
  });

  it('matches as the lazy form on blocks made of markers, dashes, body and end characters (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }), (parts) => {
        const t = parts.join('');
        expect(matches(pattern, t)).toEqual(matches(lazy, t));
      }),
      { numRuns: 5000, seed: 20261204 },
    );
  });

  it('stops at the same place around its 20,000-character bound', () => {
    const begin = '-----BEGIN RSA PRIVATE KEY-----';
    for (const n of [19_999, 20_000, 20_001]) {
      for (const end of ['-----END RSA PRIVATE KEY-----', '"', '', '-----END EC PRIVATE KEY-----x', 'A']) {
        const t = begin + 'A'.repeat(n - 1) + '-' + end;
        expect(matches(pattern, t), `${n} ${end}`).toEqual(matches(lazy, t));
      }
    }
  });
});
