/**
 * The generic detectors' pre-checks (cheap look-arounds before a costly look-behind) change
 * no match: each pattern finds the same matches with and without them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genericDetectors, PRECHECKS } from '../../proxy/masking/detectors/generic.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

/** Every match of `re` in `text`: where, what, and each group. */
function matches(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => JSON.stringify([m.index, m[0], m.indices?.groups ?? null]));
}

const withChecks = genericDetectors.filter((d) => PRECHECKS.some((p) => d.pattern.source.includes(p)));
/** The same pattern with its pre-checks taken out. */
const without = (re: RegExp) => new RegExp(PRECHECKS.reduce((src, p) => src.split(p).join(''), re.source), re.flags);

const PIECES = ['my token', 'the API key', 'our password', ' is ', 'is my token', 'api_key', 'API key', 'apiKey', 'token', 'password', 'secret', 'key', 'pw', 'credential', 'my', 'the', 'our', 'is', 'was', 'a', 'valid', ' ', ' ', '\t', '\n', '"', "'", '`', ',', ':', '=', '(', ')', 'setdefault(', 'os.environ.get(', 'aB3dE5gH7jK9mN1pQ3sT5vX7yZ', 'Xk29fjQ0pL7wZr4T', 'hunter2', 's'];

describe('generic detector pre-checks', () => {
  it('are in the patterns they are written for', () => {
    for (const p of PRECHECKS) expect(withChecks.some((d) => d.pattern.source.includes(p))).toBe(true);
    // Each where it is used once (taking it out must take out nothing else).
    for (const d of genericDetectors) for (const p of PRECHECKS) expect(d.pattern.source.split(p).length).toBeLessThanOrEqual(2);
    expect(withChecks.map((d) => d.description.slice(0, 24))).toEqual(['A secret-named key passe', 'A key or password given ']);
  });

  it('change no match on the corpora', () => {
    const texts = [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS].flatMap((f) => loadCorpus(f).map((e) => e.text));
    for (const d of withChecks) {
      const ref = without(d.pattern);
      for (const t of texts) expect(matches(d.pattern, t)).toEqual(matches(ref, t));
    }
  });

  it('change no match on hand-written cases', () => {
    const V = 'aB3dE5gH7jK9mN1pQ3sT5vX7yZ';
    const texts = [`my\ttoken ${V}`, `use\tpassword: ${V}`, `${V}xyzw\tsecret`, `my token= ${V}`, `the secret: ${V}`, `my token\t${V}`, `our API key is ${V}`, `"${V}"\tis my token`, `${V}xyzw is the token`, `"${V}"\ttoken`, `${V}xyzw\tkey`, `setdefault("API_TOKEN", '${V}')`, `get('token', "${V}")`];
    for (const t of texts) for (const d of withChecks) expect(matches(d.pattern, t)).toEqual(matches(without(d.pattern), t));
    // They match at all (the cases reach the pre-checks).
    expect(texts.filter((t) => withChecks.some((d) => matches(d.pattern, t).length > 0)).length).toBeGreaterThanOrEqual(6);
  });

  it('change no match on texts made of key words, quotes, blanks and values', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }), (parts) => {
        const t = parts.join('');
        for (const d of withChecks) expect(matches(d.pattern, t)).toEqual(matches(without(d.pattern), t));
      }),
      { numRuns: 3000 },
    );
  });
});
