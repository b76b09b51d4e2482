/**
 * The generic detectors' own pre-checks (Detector.mayStartAt, detectors/start-checks.ts): the
 * anchored scan skips its regex call where one says no, so one must say no only where the
 * pattern cannot match. Held to the regex engine after every start literal of the corpora
 * (and their upper-cased copies), at every position of hand-written and generated texts, and
 * shown to skip calls. The whole scan with the checks is also held to a plain global search
 * in masking-scan.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Detector } from '../../proxy/masking/detector.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { anchorsOf } from '../../proxy/masking/scan.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const checked = ALL_DETECTORS.filter((d): d is Detector & { mayStartAt: NonNullable<Detector['mayStartAt']> } => d.mayStartAt !== undefined);
const sticky = (re: RegExp) => new RegExp(re.source, re.flags.replace(/[dgy]/g, '') + 'y');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

interface Tally {
  wrong: string[];
  tried: number;
  skipped: number;
  matched: number;
}

/** At each position of `at(text)`: where the check says no, the pattern must not match. */
function holdsAt(texts: readonly string[], at: (d: Detector, text: string) => Iterable<number>): Tally {
  const t: Tally = { wrong: [], tried: 0, skipped: 0, matched: 0 };
  for (const d of checked) {
    const re = sticky(d.pattern);
    for (const text of texts) {
      for (const p of at(d, text)) {
        t.tried++;
        re.lastIndex = p;
        const m = re.exec(text) !== null;
        if (m) t.matched++;
        if (d.mayStartAt(text, p)) continue;
        t.skipped++;
        if (m) t.wrong.push(`${d.description.slice(0, 30)} at ${p}: ${JSON.stringify(text.slice(Math.max(0, p - 30), p + 40))}`);
      }
    }
  }
  return t;
}

/** Where the detector's start literals occur (any case), as the anchored scan would try them. */
function* literalPlaces(d: Detector, text: string): Iterable<number> {
  const find = new RegExp(anchorsOf(d.pattern)!.map(esc).join('|'), 'gi');
  for (let m = find.exec(text); m !== null; m = find.exec(text)) {
    yield m.index;
    find.lastIndex = m.index + 1; // overlapping literals (`apikey` holds `api` and `key`)
  }
}

function* everywhere(_d: Detector, text: string): Iterable<number> {
  for (let p = 0; p < text.length; p++) yield p;
}

const V = 'aB3dE5gH7jK9mN1pQ3sT5vX7yZ';
const LONG = 'Zq8Lp2Xw9Rt4Yu7Io1Pa5Sd3Fg6Hj0Kl';

/** Each reaches a match through one branch of one check (the test below requires a match in each). */
const CASES = [
  // Two quoted arguments.
  `setdefault("API_TOKEN", "${V}")`,
  `get('token_b64' ,\t'${V}')`,
  // Prose: after a blank, and the look-behind's other ways to a blank.
  `my API key is ${V}`,
  `the\ttoken: ${V}`,
  `"${V}" is my token`,
  `${LONG} is the apikey`,
  `${LONG} is my api_key`,
  `${LONG} is our API-KEY`,
  `${LONG} is my key`,
  `${LONG} x-api key`,
  // Chat: after a blank, and the strong phrases anywhere.
  `the password is ${V}`,
  `(client secret ${V})`,
  `=secret key: ${V}`,
  `[access key secret ${V}]`,
  `x-webhook secret = ${V}`,
  `use\ttoken ${V} for staging`,
  // url-password: an empty user, a colon in the password, a password up to the text's end.
  `redis://:${V}@redis:6379/0`,
  `postgres://app:p:w:${V}@db.internal/app`,
  `ftp://u:pw@`,
];

const PIECES = [
  'token', 'token_b64', 'password', 'PASSWORD', 'secret', 'secret_key_base', 'api', 'key', 'apikey', 'api_key', 'api-key', 'api key', 'API Key', 'access key',
  'client', 'webhook', 'auth', 'pw', 'pwd', 'credential', 'creds', 'my ', 'the ', 'use ', 'is ', 'was ', 'our ', ' or ', 'OR', '??', '||', '=', ':', '=>', ':=', '||=', '??=',
  ')', '(', ']', '[', '"', "'", '`', ',', ' ', ' ', '\t', '\n', '_', '-', '.', 'x', 'é', V, LONG, 'hunter22', 'process.env.', 'getenv(',
  'https', '://', 'user', '@', 'host', '/', '?', '#', '<', 'a:b', '\u00a0',
];

describe('detector pre-checks (mayStartAt)', () => {
  it('are on url-password and four generic patterns', () => {
    expect(checked.map((d) => d.description.slice(0, 24))).toEqual([
      'Password in a URL (schem',
      'A secret-named key passe',
      'A key or password given ',
      'A secret named in prose ',
    ]);
  });

  it('never rule out a match on the corpora, and skip most calls there', () => {
    const base = [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS].flatMap((f) => loadCorpus(f).map((e) => e.text));
    const texts = [...base, ...base.map((t) => t.toUpperCase())];
    const t = holdsAt(texts, literalPlaces);
    expect(t.wrong).toEqual([]);
    expect(t.matched).toBeGreaterThan(500);
    expect(t.skipped).toBeGreaterThan((t.tried - t.matched) / 2);
  }, 120_000);

  it('never rule out a match in the hand-written cases, each of which matches', () => {
    const anywhere = checked.map((d) => new RegExp(d.pattern.source, d.pattern.flags.replace(/[dgy]/g, '')));
    for (const c of CASES) expect(anywhere.some((re) => re.test(c)), c).toBe(true);
    expect(holdsAt(CASES, everywhere).wrong).toEqual([]);
  });

  it('never rule out a match in texts made of key words, separators, blanks and values', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 16 }), (parts) => {
        expect(holdsAt([parts.join('')], everywhere).wrong).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });
});
