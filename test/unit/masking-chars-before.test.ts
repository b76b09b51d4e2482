/**
 * The character a match can have before it (chars-before.ts), the check the anchored scan
 * makes at a start literal before its regex call: it may only skip calls that would have
 * failed. Held to the regex engine wherever a regex matches (every anchored detector at each
 * of its start literals on the corpora, upper-cased copies and generated text; hand-written
 * regexes with the look-behind forms the reading must get right, at every position of
 * generated text), and shown to skip calls. The whole scan is held to a plain global search
 * in masking-scan.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charsBefore, type BeforeBits } from '../../proxy/masking/chars-before.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { anchorsOf } from '../../proxy/masking/scan.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const sticky = (re: RegExp) => new RegExp(re.source, re.flags.replace(/[dgy]/g, '') + 'y');

/** Whether `bits` allows the character before `at` (the text's start is always allowed). */
function allows(bits: BeforeBits | null, text: string, at: number): boolean {
  if (bits === null || at === 0) return true;
  const c = text.charCodeAt(at - 1);
  const k = c < 128 ? c : 128;
  return (bits[k >> 5]! & (1 << (k & 31))) !== 0;
}

/** Each anchored detector's start literals (lower case, as the keyword automaton finds them) with the check before them. */
const checks = ALL_DETECTORS.flatMap((d) => {
  const lits = [...new Set((anchorsOf(d.pattern) ?? []).map((l) => l.toLowerCase()))];
  return lits.map((lit) => ({ id: d.id, lit, re: sticky(d.pattern), before: charsBefore(d.pattern, lit) }));
});

/** Places where the regex matches and the check says it cannot (must stay none), and how many calls it saves. */
function holds(texts: readonly string[]): { wrong: string[]; tried: number; skipped: number } {
  const wrong: string[] = [];
  let tried = 0;
  let skipped = 0;
  for (const text of texts) {
    const lower = text.toLowerCase();
    for (const c of checks) {
      for (let p = lower.indexOf(c.lit); p >= 0; p = lower.indexOf(c.lit, p + 1)) {
        tried++;
        if (allows(c.before, text, p)) continue;
        skipped++;
        c.re.lastIndex = p;
        if (c.re.exec(text) !== null) wrong.push(`${c.id} at ${JSON.stringify(c.lit)}: ${JSON.stringify(text.slice(Math.max(0, p - 10), p + 30))}`);
      }
    }
  }
  return { wrong, tried, skipped };
}

describe('the character before a start literal', () => {
  it('never rules out a match on the corpora and their upper-cased copies', () => {
    const texts = [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS].flatMap((f) => loadCorpus(f).map((e) => e.text));
    expect(texts.length).toBeGreaterThan(2000);
    const r = holds([...texts, ...texts.map((t) => t.toUpperCase())]);
    expect(r.wrong).toEqual([]);
    expect(r.skipped).toBeGreaterThan(r.tried / 20);
  }, 60_000);

  // Key words, token prefixes and what stands around them, in any mix and case.
  const pieces = [
    'password', 'PASSWORD', 'token', 'Token', 'secret', 'api_key', 'apiKey', 'API-KEY', 'api key', 'key', 'Key', 'monkey', 'credential', 'access key', 'auth_token', 'my ', 'the ', 'is ', ' is my token',
    "that's the API key", 'this is', "it's", 'MT', 'Nz', 'OD', 'AKIA', 'ghp_', 'sk-', 'sk_live_', 'xoxb-', 'eyJ', 'AIza', 'Q~', '1Q~', 'key-', '.atlasv1.', '://', 'https', 'user:pw@host', 'django-insecure-',
    ' ', '\t', '\n', '\r\n', '^', '_', '-', '.', ':', '=', '"', "'", '`', '(', ',', '/', '+', '~', 'é', 'K', 'ſ', '\u00a0', '😀',
  ];
  const run = fc.stringMatching(/^[A-Za-z0-9+/_\-.]{1,40}$/);
  const textArb = fc.array(fc.oneof(fc.constantFrom(...pieces), run), { minLength: 1, maxLength: 30 }).map((xs) => xs.join(''));

  it('never rules out a match on generated text (property)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(holds([text]).wrong).toEqual([]);
      }),
      { numRuns: 1500, seed: 20261204 },
    );
  }, 60_000);

  it('rules out what the detectors cannot match after', () => {
    const prose = ALL_DETECTORS.find((d) => d.id === 'generic-secret' && d.pattern.source.includes('(?<=[ \\t])(?:api'))!;
    const keyValue = ALL_DETECTORS.find((d) => d.id === 'generic-secret' && d.pattern.source.startsWith('(?:(?:pass'))!;
    const discord = ALL_DETECTORS.find((d) => d.id === 'discord-bot-token')!;
    expect(allows(charsBefore(prose.pattern, 'token'), 'auth_token is x', 5)).toBe(false);
    expect(allows(charsBefore(prose.pattern, 'token'), 'my token is x', 3)).toBe(true);
    expect(allows(charsBefore(prose.pattern, 'token'), 'my\ttoken is x', 3)).toBe(true);
    expect(allows(charsBefore(prose.pattern, 'key'), 'monkey', 3)).toBe(false);
    expect(allows(charsBefore(prose.pattern, 'key'), 'apikey', 3)).toBe(true);
    expect(allows(charsBefore(prose.pattern, 'key'), 'API-key', 4)).toBe(true);
    expect(allows(charsBefore(keyValue.pattern, 'key'), 'monkey = "x"', 3)).toBe(false);
    expect(allows(charsBefore(keyValue.pattern, 'key'), 'MONKEY = "x"', 3)).toBe(false);
    expect(allows(charsBefore(keyValue.pattern, 'key'), 'x.key = "x"', 2)).toBe(true);
    expect(allows(charsBefore(keyValue.pattern, 'key'), 'éKEY = "x"', 1)).toBe(true);
    expect(allows(charsBefore(discord.pattern, 'mt'), 'xMT', 1)).toBe(false);
    expect(allows(charsBefore(discord.pattern, 'mt'), ' MT', 1)).toBe(true);
    // Unconstrained: no look-behind, or one past the literal.
    expect(charsBefore(/key[ =]/i, 'key')).toBeNull();
    expect(charsBefore(/key=(?<=[a-z]key=)/, 'key')).toBeNull();
    expect(charsBefore(/(?<=\d)ab/, 'ab')).not.toBeNull();
  });
});

describe('look-behinds read for the character before', () => {
  // The forms the reading must get right: a class before the literal, a look-behind after it
  // that reads the literal again (with a nested negative one at its start), alternatives of
  // different lengths, optional separators, case folding, a negative look-behind inside the
  // literal (a non-letter's other "case" is not its case), line starts, non-ASCII classes,
  // back references, look-aheads, and look-behinds past the literal.
  const cases: Array<[RegExp, string[]]> = [
    [/(?<=[ \t])(?:ab|cd)x/, ['ab', 'cd']],
    [/ab(?<=(?<![a-z0-9])ab)c/i, ['ab']],
    [/(?:(?<![A-Za-z])key|pkey)/i, ['key', 'pkey']],
    [/key(?<=[ \t](?:api[ _\-]?key|key))/i, ['key']],
    [/(?:x(?<=q.x)|y)z/, ['x', 'y']],
    [/a(?<=(?:^|[ \t])a)b/m, ['a']],
    [/x-(?<!\r)y/i, ['x-']],
    [/ab(?<![a-zA-Z])c/, ['ab']],
    [/(?<=\d)Q~/, ['q~']],
    [/k(?<=[^a]k)/i, ['k']],
    [/(?<=é)ab/i, ['ab']],
    [/ab(?<=(?<=[xy])ab)/, ['ab']],
    [/(?<q>a)b(?<=\k<q>b)/, ['ab']],
    [/(?=ab)(?<=-)ab|cd(?<=(?:-|_+)cd)/i, ['ab', 'cd']],
    [/ab(?<=x{2,3}ab)|ab(?<=(?:y|z)?ab)/, ['ab']],
    [/a(?<=[ab]a)(?<!b)b/, ['ab']],
    [/(?<![\s\S])ab/, ['ab']],
    [/ab(?<=(?<!\w)[a-z]+)/i, ['ab']],
  ];
  const alphabet = fc.constantFrom('a', 'b', 'c', 'd', 'x', 'y', 'z', 'q', 'p', 'ab', 'x-y', 'X-Y', 'A', 'B', 'K', 'Q', 'k', 'e', 'key', 'api', 'API', '~', '-', '_', ' ', '\t', '\n', '\r', '1', '2', 'é', 'É', 'ſ', '😀');
  const text = fc.array(alphabet, { maxLength: 14 }).map((xs) => xs.join(''));

  it('admit every match, at every place a literal occurs in generated text (property)', () => {
    const compiled = cases.flatMap(([re, lits]) => lits.map((lit) => ({ re: sticky(re), lit, before: charsBefore(re, lit) })));
    fc.assert(
      fc.property(text, (t) => {
        const lower = t.toLowerCase();
        for (const c of compiled) {
          for (let p = lower.indexOf(c.lit); p >= 0; p = lower.indexOf(c.lit, p + 1)) {
            c.re.lastIndex = p;
            if (c.re.exec(t) !== null) expect(allows(c.before, t, p), `${c.re} at ${p} of ${JSON.stringify(t)}`).toBe(true);
          }
        }
      }),
      { numRuns: 4000, seed: 20261204 },
    );
  });

  it('and rule something out for each form that constrains', () => {
    expect(allows(charsBefore(/(?<=[ \t])(?:ab|cd)x/, 'cd'), 'xcdx', 1)).toBe(false);
    expect(allows(charsBefore(/ab(?<=(?<![a-z0-9])ab)c/i, 'ab'), 'Xabc', 1)).toBe(false);
    expect(allows(charsBefore(/key(?<=[ \t](?:api[ _\-]?key|key))/i, 'key'), 'monkey', 3)).toBe(false);
    expect(allows(charsBefore(/key(?<=[ \t](?:api[ _\-]?key|key))/i, 'key'), 'API_key', 4)).toBe(true);
    expect(allows(charsBefore(/(?<=\d)Q~/, 'q~'), 'aQ~', 1)).toBe(false);
    expect(charsBefore(/x-(?<!\r)y/i, 'x-')).toBeNull();
    expect(allows(charsBefore(/ab(?<![a-zA-Z])c/, 'ab'), ' abc', 1)).toBe(false); // "b" is in the class in both cases: never a match
  });
});
