/**
 * looksLikeRealSecret and shannonEntropy held to their plain forms (every check a regex, the
 * entropy summed over a second walk of the text): the shortcuts in entropy.ts (first-character
 * guards before the anchored regexes, the repeated-character loop, the list of distinct
 * characters) must give the same answers and the same doubles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeRealSecret, mayBeReference, oneRepeatedChar, shannonEntropy } from '../../proxy/masking/entropy.js';
import { PLACEHOLDER_WORDS } from '../../proxy/masking/placeholder-words.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

function referenceEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s.split('')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const ascii = [...counts].filter(([ch]) => ch.charCodeAt(0) < 128);
  const wide = [...counts].filter(([ch]) => ch.charCodeAt(0) >= 128);
  for (const [, k] of [...ascii, ...wide]) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

const REFERENCE =
  /^(?:pk[._]|-|:|\$\{?|%[A-Za-z_]+%|\{\{|process\.env|os\.environ|os\.getenv|env\.|ENV\[|var\.|local\.|data\.|module\.|secrets\.|vault:|arn:|ref\+|@|!|&|\*|file:|config\.|settings\.|self\.|this\.|get[A-Z_]|System\.getenv|Environment\.|os\.Getenv|sha\d+[:-]|md5:|[a-z]+\(|\/)/;

function charClasses(s: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(s)).length;
}

function referenceLooksLikeRealSecret(value: string, opts: { minLength?: number; minEntropy?: number } = {}): boolean {
  const v = value.trim();
  if (v.length < (opts.minLength ?? 8)) return false;
  if (PLACEHOLDER_WORDS.test(v) || REFERENCE.test(v)) return false;
  if (/^(.)\1+$/.test(v)) return false;
  if (/^\d+(?:\.\d+)*$/.test(v) || /^v?\d+\.\d+\.\d+/.test(v)) return false;
  if (/^[a-z]+(?:[-_ .][a-z]+)*$/.test(v) && v.length < 24) return false;
  if (/^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return false;
  if (/^[A-Za-z]+(?:[._/-][A-Za-z]+)+$/.test(v)) return false;
  if (/^(?:https?|ftp|wss?):\/\//i.test(v)) return false;
  const classes = charClasses(v);
  const h = referenceEntropy(v);
  if (classes < 2 && !(v.length >= 20 && h >= 3.5)) return false;
  return h >= (opts.minEntropy ?? (v.length < 16 ? 2.8 : 3.0));
}

const PIECES = [
  'a', 'b', 'Z', 'Q', '0', '7', '.', '-', '_', '/', ' ', '\n', '\r', '\u2028', '\t', 'v', 'v1.2.3', '1.2', '42', 'http', 'HTTPS://', 'ftp://', 'wss://',
  'Ws://', 'CamelCase', 'Word', 'dotted.name', 'aaaa', 'AAAA', '0000', 'é', 'é', '漢', '\u{1F642}', 'xK9#mQ2$', 'sk-', 'ghp_', 'Zq8Rk4Tw', '=', '+',
  'example', 'test', '<', '${', 'process.env', 'f(', 'h', 'H', 'w', 'W', 'f', 'F', 'g', 'G', 'x', 'X',
];
const value = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((ps) => ps.join(''));
// minEntropy 0: the entropy then rejects nothing, so the repeated-character check decides alone.
const opts = fc.constantFrom({}, { minLength: 6 }, { minLength: 12 }, { minEntropy: 3.5 }, { minLength: 2, minEntropy: 0 });

describe('looksLikeRealSecret', () => {
  it('answers as its plain form (every check a regex) on generated values', () => {
    fc.assert(
      fc.property(value, opts, (v, o) => {
        expect(looksLikeRealSecret(v, o), JSON.stringify(v)).toBe(referenceLooksLikeRealSecret(v, o));
      }),
      { numRuns: 20000, seed: 20261204 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), opts, (v, o) => {
        expect(looksLikeRealSecret(v, o)).toBe(referenceLooksLikeRealSecret(v, o));
      }),
      { numRuns: 5000, seed: 20261205 },
    );
  });

  it('answers as its plain form on every token and line of the corpora', () => {
    let n = 0;
    for (const file of [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS]) {
      for (const e of loadCorpus(file)) {
        for (const s of e.secrets) {
          const v = e.text.slice(s.start, s.end);
          expect(looksLikeRealSecret(v), v).toBe(referenceLooksLikeRealSecret(v));
          n++;
        }
        for (const t of [...e.text.split(/[\s"'`=:,]+/), ...e.text.split('\n')]) {
          expect(looksLikeRealSecret(t), t).toBe(referenceLooksLikeRealSecret(t));
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(10000);
  });

  it('judges a value the same whatever was judged before it (the one walk leaves its counts clean, also when it stops at a character beyond ASCII)', () => {
    // The walk counts characters in a shared table and stops at the first one beyond ASCII:
    // what it counted before stopping must be cleared, or the next value's entropy is off.
    const values = ['Zq8Rk4Tw9xK2mQ7p', 'Zq8Rk4Tw9xK2mQ7pé', 'éZq8Rk4Tw9xK2mQ7p', 'Zq8Rk4Tw\u{1F642}9xK2mQ7p', 'aaaaaaaaaaaaaaaaaaaaé', 'Zq8Rk4Tw<9xK2mQ7p', 'Zq8Rk4Tw', 'Zq8Rk4Tw9xK2mQ7pZq8Rk4Tw9xK2mQ7p'];
    const alone = values.map((v) => referenceLooksLikeRealSecret(v));
    expect(alone).toContain(true);
    for (const first of values) {
      for (const [i, v] of values.entries()) {
        looksLikeRealSecret(first);
        expect(looksLikeRealSecret(v), `${JSON.stringify(v)} after ${JSON.stringify(first)}`).toBe(alone[i]);
      }
    }
  });

  it('asks the reference regex wherever one of its alternatives can begin (mayBeReference)', () => {
    // One value per alternative of REFERENCE; each is rejected, by the guard and regex together.
    const samples = ['pk.', 'pk_', '-', ':', '$', '${', '%HOME%', '{{', 'process.env', 'os.environ', 'os.getenv', 'env.', 'ENV[', 'var.', 'local.', 'data.', 'module.', 'secrets.', 'vault:', 'arn:', 'ref+', '@', '!', '&', '*', 'file:', 'config.', 'settings.', 'self.', 'this.', 'getX', 'get_', 'System.getenv', 'Environment.', 'os.Getenv', 'sha1:', 'sha256-', 'md5:', 'f(', 'zq(', '/'];
    for (const p of samples) {
      const v = `${p}Zq8Rk4Tw9xK2mQ7p`;
      expect(REFERENCE.test(v), v).toBe(true);
      expect(mayBeReference(v.charCodeAt(0)), v).toBe(true);
      expect(looksLikeRealSecret(v), v).toBe(false);
    }
    // Where the guard says no, no alternative matches: every code unit before each sample's rest.
    const rests = [...new Set(samples.flatMap((p) => [p, p.slice(1)]))];
    const missed: string[] = [];
    for (let c = 0; c < 0x10000; c += c < 0x300 ? 1 : 97) {
      if (mayBeReference(c)) continue;
      for (const r of rests) if (REFERENCE.test(String.fromCharCode(c) + r + 'x(')) missed.push(String.fromCharCode(c) + r);
    }
    expect(missed).toEqual([]);
  });

  it('rejects what each first-character-guarded check rejects', () => {
    for (const v of ['1234567890', '12.34.56.78', 'v1.2.3-beta.4', '1.2.3.4567', 'abcdefghij', 'plain-words here', 'CamelCaseName', 'Dotted.Name.Here', 'some/path/like', 'https://host.example/x9', 'HTTP://A1b2C3d4e5', 'wss://q8R2kT4z', 'ftp://u1:p2@h3', 'zzzzzzzzzz']) {
      expect(looksLikeRealSecret(v), v).toBe(false);
      expect(referenceLooksLikeRealSecret(v), v).toBe(false);
    }
  });
});

describe('oneRepeatedChar', () => {
  it('is /^(.)\\1+$/', () => {
    for (const v of ['', 'a', 'aa', 'aaa', 'ab', '\n\n', '\r\r', '\u2028\u2028', '\u2029\u2029', '  ', '😀😀', '\uD83D\uD83D', 'ééé', 'aab', 'baa']) {
      expect(oneRepeatedChar(v), JSON.stringify(v)).toBe(/^(.)\1+$/.test(v));
    }
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '\n', '\u2028', '\r', 'é'), maxLength: 6 }), (v) => {
        expect(oneRepeatedChar(v)).toBe(/^(.)\1+$/.test(v));
      }),
    );
  });
});

describe('shannonEntropy', () => {
  it('is the same double as summing the terms in order of first occurrence', () => {
    fc.assert(
      fc.property(fc.oneof(value, fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 900 })), (v) => {
        expect(Object.is(shannonEntropy(v), referenceEntropy(v)), JSON.stringify(v)).toBe(true);
      }),
      { numRuns: 5000, seed: 20261206 },
    );
  });
});
