/**
 * The streaming masker searches the near detectors from SHORT_REACH (64) characters before the
 * held text, and the one near detector that reaches further (XML settings, 160: key names put
 * the match's start far before the secret) from its own reach, when a `<` occurs in the extra
 * stretch (Detector.reach; stream-masker.ts). Streamed output must be what whole-text masking
 * gives, for any chunking: here on XML settings whose key names put the match's start far
 * before the value, in text full of the other detectors' keywords. Setting the XML detector's
 * reach to 64, or never searching it from its own reach, fails these tests (tried). That a
 * per-detector reach is enough rests on the whole-text search trying every position (a match
 * consumes nothing: scan.ts, accept()).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { streamMasked } from '../helpers/streams.js';
import { SHORT_REACH } from '../../proxy/masking/detector.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

const streamed = (text: string, sizes: number[]) => streamMasked(masker, text, sizes);

const filler = fc.constantFrom(' ', '\n', '  ', 'the ', 'key ', 'token ', 'pass ', 'auth ', '<', '>', '"', '=', 'value ', 'config ', 'ghp_', 'x', 'Key', 'secret', '<!-- -->', '/>', '\t');
const fillerText = fc.array(filler, { maxLength: 12 }).map((xs) => xs.join(''));
const secretWord = fc.constantFrom('Password', 'ApiKey', 'ClientSecret', 'Token', 'token', 'AuthKey', 'Credentials', 'passwd', 'SigningKey');
/** Up to 60 name characters before the secret word (what the detector's key name allows), ending in a separator. */
const namePrefix = fc
  .oneof(fc.stringMatching(/^[A-Za-z0-9]{0,50}$/), fc.stringMatching(/^[A-Za-z0-9]{36,45}$/))
  .chain((p) => fc.constantFrom(p, `${p}_`, `${p}.`, `${p}-`));
const value = fc.stringMatching(/^[A-Za-z0-9+/]{14,40}$/);
const element = fc.tuple(namePrefix, secretWord, value, fc.constantFrom('add', 'tag', 'tag-open')).map(([pre, word, v, form]) => {
  const name = `${pre}${word}`;
  if (form === 'add') return `<add key="${name}" value="${v}"/>`;
  return form === 'tag' ? `<${name}>${v}</${name}>` : `<${name}>${v}`;
});
const xmlText = fc.tuple(fillerText, fc.array(fc.tuple(element, fillerText), { minLength: 1, maxLength: 3 })).map(([head, rest]) => head + rest.map(([e, f]) => e + f).join(''));
const sizes = fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 12 });

describe('the near detectors\' reach', () => {
  it('the XML settings detector reaches further than the default (else this file tests nothing)', () => {
    const xml = masker.detectors.filter((d) => d.pattern.source.includes('<add[ \\t]{1,8}key='));
    expect(xml.length).toBe(1);
    expect(xml[0]!.reach ?? SHORT_REACH).toBeGreaterThan(SHORT_REACH);
  });

  it('streams XML settings with long key names as whole text masks them, under any chunking (property)', () => {
    let found = 0;
    fc.assert(
      fc.property(xmlText, sizes, (text, chunks) => {
        const whole = masker.mask(text);
        if (whole.findings.length > 0) found++;
        expect(streamed(text, chunks)).toBe(whole.text);
      }),
      { numRuns: 700, seed: 2026_1203 },
    );
    // (Most generated texts hold a secret whole-text masking finds.)
    expect(found).toBeGreaterThan(350);
  });

  it('masks `<add key="…" value="…"/>` whose key name puts its start 80 characters before the value, pushed in any size', () => {
    const name = `${'a'.repeat(50)}_ClientSecret`;
    const tag = `${'a'.repeat(40)}_ClientSecret`;
    const text = `intro <add key="${name}" value="aB3dE5fG7hJ9kL1mN"/> and <${tag}>aB3dE5fG7hJ9kL1mN</${tag}> end`;
    const whole = masker.mask(text);
    expect(whole.findings.length).toBe(2);
    for (const n of [1, 2, 3, 8, 16, 64]) expect(streamed(text, [n])).toBe(whole.text);
  });

  it('holds an element whose tag name is as long as a key name gets (85) until its closing tag is complete, pushed in any size', () => {
    // The pattern's branch for a closing tag still arriving once allowed 60 name characters, so
    // a longer-named element's value was released before `</name>` was whole (found 2026-12-03).
    let found = 0;
    for (const word of ['ClientSecret', 'Password', 'encryption_key_plaintext', 'secret_key_base_plaintext']) {
      for (const n of [60, 61, 70, 85]) {
        const tag = `${'a'.repeat(n - word.length - 1)}_${word}`;
        const text = `intro <${tag}>aB3dE5fG7hJ9kL1mN</${tag}> end`;
        const whole = masker.mask(text);
        found += whole.findings.length;
        for (const size of [1, 2, 3, 5, 16]) expect(streamed(text, [size])).toBe(whole.text);
      }
    }
    // Whole text masks 11 of the 16 (a name of more than 60 characters before its secret word is no key name).
    expect(found).toBe(11);
  });

  it('the same with every push one character (the match start furthest behind the held text)', () => {
    fc.assert(
      fc.property(xmlText, (text) => {
        expect(streamed(text, [1])).toBe(masker.mask(text).text);
      }),
      { numRuns: 300, seed: 2026_1204 },
    );
  });
});

describe('a rejected match swallows nothing (was a difference from whole text until 2026-12-03)', () => {
  // A generic assignment whose quoted value the validator rejects (`pass ="<Password>…` up to
  // the quote of `key="`) used to be consumed whole by the whole-text search, so the
  // assignment starting inside it (`pass  <add key="00aa_Password"`) was never tried, while a
  // stream whose search started after the first `pass` tried it and masked `00aa_Password`.
  // A rejected match now consumes nothing (scan.ts, accept()): both mask it.
  it('a long rejected quoted value does not swallow the next assignment (stream and whole text agree)', () => {
    const text = `pass ="<Password>a0+++a+0AA0+/0aA${'x'.repeat(100)}</Password>pass  <add key="00aa_Password" value="+A++a0//+AA/Aa"/>`;
    expect(masker.mask(text).text).not.toContain('00aa_Password');
    expect(streamed(text, [1])).toBe(masker.mask(text).text);
  });
});
