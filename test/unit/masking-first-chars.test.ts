/**
 * The characters a match can begin with (first-chars.ts), the pre-check the anchored scan
 * runs before a regex call: it may only ever skip calls that would have failed. Held to the
 * regex engine wherever a regex matches (every detector after each of its start literals on
 * the corpora, real source and generated text; hand-written regexes with the constructs the
 * reading must get right at every position of generated text), and shown to skip calls.
 * The whole scan with the check is held to a plain global search in masking-scan.test.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { charsAfter, firstChars, mayStartAt } from '../../proxy/masking/first-chars.js';
import { anchorsOf, oneCharStart } from '../../proxy/masking/scan.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const sticky = (re: RegExp) => new RegExp(re.source, re.flags.replace(/[dgy]/g, '') + 'y');

/** Each detector's start literals (or its one start character) with the check after them. */
const checks = ALL_DETECTORS.flatMap((d) => {
  const lits = anchorsOf(d.pattern) ?? (oneCharStart(d.pattern) ? [oneCharStart(d.pattern)!] : []);
  return lits.map((lit) => ({ id: d.id, lit, re: sticky(d.pattern), after: charsAfter(d.pattern, lit) }));
});

/**
 * Checks where the regex matches and the pre-check says it cannot: must stay zero. Also
 * counts the regex calls the check saves (occurrences where it says no).
 */
function holds(texts: readonly string[]): { wrong: string[]; tried: number; skipped: number } {
  const wrong: string[] = [];
  let tried = 0;
  let skipped = 0;
  for (const text of texts) {
    const lower = text.toLowerCase();
    for (const c of checks) {
      for (let p = lower.indexOf(c.lit); p >= 0; p = lower.indexOf(c.lit, p + 1)) {
        tried++;
        const ok = c.after === null || mayStartAt(c.after, text, p + c.lit.length);
        if (ok) continue;
        skipped++;
        c.re.lastIndex = p;
        if (c.re.exec(text) !== null) wrong.push(`${c.id} after ${JSON.stringify(c.lit)}: ${JSON.stringify(text.slice(p, p + 40))}`);
      }
    }
  }
  return { wrong, tried, skipped };
}

const nodeModules = (p: string) => readFileSync(fileURLToPath(new URL(`../../node_modules/${p}`, import.meta.url)), 'utf8');

describe('what follows a start literal', () => {
  it('never rules out a match on the corpora', () => {
    const texts = [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS].flatMap((f) => loadCorpus(f).map((e) => e.text));
    expect(texts.length).toBeGreaterThan(2000);
    const r = holds(texts);
    expect(r.wrong).toEqual([]);
    expect(r.skipped).toBeGreaterThan(r.tried / 3);
  }, 60_000);

  it('never rules out a match in real source, and rules out most regex calls there', () => {
    const r = holds([nodeModules('typescript/lib/lib.es5.d.ts').slice(0, 200_000), nodeModules('react-dom/cjs/react-dom-client.development.js').slice(0, 300_000)]);
    expect(r.wrong).toEqual([]);
    expect(r.skipped).toBeGreaterThan(r.tried / 2);
  }, 60_000);

  // Key words, separators, quotes, values and the characters detectors look at, in any mix and case.
  const pieces = [
    'password', 'PASSWORD', 'Passwd', 'pwd', 'pw', 'secret', 'SECRET_KEY', 'token', 'Token', 'api_key', 'apiKey', 'API-KEY', 'auth', 'AUTH_TOKEN', 'creds', 'credential', 'key', 'Key', 'keyof',
    'Bearer ', 'Basic ', 'key-', 'ghp_', 'github_pat_', 'sk-', 'sk_live_', 'xoxb-', 'AKIA', 'eyJ', 'AIza', 'MT', 'Nz', 'OD', 'dd', 'datadog', 'https://', '://', 'user:', '@host', '?api_key=', '&token=',
    '-----BEGIN RSA PRIVATE KEY-----', ' = ', ': ', '=', ':', ':=', '=>', '||', '??', '"', "'", '`', ' ', '\n', '\r\n', '\t', '(', ')', ',', ';', '<', '>', '[', ']', '{', '}', '.', '_', '-', '/', '\\',
    "that's the API key", "it's", 'this is', ' is ', 'my token is ', '<add key="ApiKey" value="', '<password>', 'name: ', 'value: ', '--password ', '-u ', 'é', 'K', 'ſ', '\u00a0', '😀',
  ];
  const run = fc.stringMatching(/^[A-Za-z0-9+/_\-.]{1,48}$/);
  const textArb = fc.array(fc.oneof(fc.constantFrom(...pieces), run), { minLength: 1, maxLength: 40 }).map((xs) => xs.join(''));

  it('never rules out a match on generated text (property)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(holds([text]).wrong).toEqual([]);
      }),
      { numRuns: 1500, seed: 20261203 },
    );
  }, 60_000);
});

describe('the first characters of a regex', () => {
  // Constructs the reading must get right: classes, negation, escapes, case folding, optional
  // and repeated parts, alternatives of different lengths, look-arounds, back references, the
  // end of input, empty matches, lazy and exact counts.
  const regexes = [
    /ab[c-e]x/,
    /a(?:b|cd)?e/,
    /ab*c/,
    /a[^b\n]{2}c/,
    /a\d\w\s\S/,
    /a\D\W./,
    /key(?![a-z])[ \t]*[:=]/i,
    /(?<q>["'])ab\k<q>c/,
    /(["'])a\1/,
    /x(?=y)yz|x(?<=x)q/,
    /ab(?:c|(?![\s\S]))/,
    /a{0}b/,
    /a{2,3}?b/,
    /(?:ab){2}c/,
    /a|/,
    /\x41\u0042\t\.\-\//,
    /[\]\\\-a]b/,
    /[\w-]c/,
    /(?:a|bc|def)g/i,
    /[^]x/,
    /\bword\B/,
    /a(?:b|c(?:d|e)f)*g/,
    /k/iu,
    /s/iu,
    /[a-c]{1,400}d/i,
    /é[éa]/i,
  ];
  const alphabet = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'x', 'y', 'z', 'q', 'A', 'B', 'C', 'K', 'S', 'k', 's', 'key', 'word', ' ', '\t', '\n', ':', '=', '"', "'", '-', '/', '.', '\\', ']', '1', 'é', 'É', 'K', 'ſ', '_');
  const text = fc.array(alphabet, { maxLength: 14 }).map((xs) => xs.join(''));

  it('admit every match, at every position of generated text (property)', () => {
    const compiled = regexes.map((re) => ({ re: sticky(re), fc: firstChars(re) }));
    fc.assert(
      fc.property(text, (t) => {
        for (const { re, fc: first } of compiled) {
          for (let p = 0; p <= t.length; p++) {
            re.lastIndex = p;
            if (re.exec(t) !== null && first !== null) expect(mayStartAt(first, t, p), `${re} at ${p} of ${JSON.stringify(t)}`).toBe(true);
          }
        }
      }),
      { numRuns: 4000, seed: 20261203 },
    );
  });

  it('and after each literal a match can begin with, likewise (property)', () => {
    const cases = regexes.flatMap((re) => ['a', 'ab', 'ae', 'ag', 'abc', 'ac', 'k', 's', 'x', 'xy', 'key', '"', 'é'].map((lit) => ({ re: sticky(re), lit, after: lit.charCodeAt(0) < 128 ? charsAfter(re, lit) : null })));
    fc.assert(
      fc.property(text, (t) => {
        const lower = t.toLowerCase();
        for (const c of cases) {
          for (let p = lower.indexOf(c.lit); p >= 0; p = lower.indexOf(c.lit, p + 1)) {
            c.re.lastIndex = p;
            const m = c.re.exec(t);
            // (the check describes matches that begin with the literal, as every match of a detector begins with one of its start literals)
            if (m !== null && m[0].toLowerCase().startsWith(c.lit) && c.after !== null) expect(mayStartAt(c.after, t, p + c.lit.length), `${c.re} after ${c.lit} at ${p} of ${JSON.stringify(t)}`).toBe(true);
          }
        }
      }),
      { numRuns: 3000, seed: 20261204 },
    );
  });

  it('rule out what cannot match', () => {
    const key = charsAfter(/key(?![a-z])[ \t]*[:=]/i, 'key')!;
    expect(mayStartAt(key, 'keyof T', 3)).toBe(false);
    expect(mayStartAt(key, 'KEY: 1', 3)).toBe(true);
    expect(mayStartAt(key, 'key', 3)).toBe(true); // the text may still grow
    const generic = ALL_DETECTORS.find((d) => d.id === 'generic-secret')!;
    expect(mayStartAt(charsAfter(generic.pattern, 'key')!, 'keyof', 3)).toBe(false);
    expect(mayStartAt(charsAfter(generic.pattern, 'api')!, 'capital', 4)).toBe(false);
    expect(mayStartAt(charsAfter(generic.pattern, 'api')!, 'api_key = "x"', 3)).toBe(true);
    expect(mayStartAt(firstChars(/ab[c-e]x/)!, 'abfx', 0)).toBe(false);
    // Unconstrained: a possibly empty match, a back reference first, a source not understood.
    expect(firstChars(/a|/)).toBeNull();
    expect(firstChars(/\k<q>(?<q>a)/)).toBeNull();
    expect(firstChars(/\cAb/)).toBeNull();
  });
});
