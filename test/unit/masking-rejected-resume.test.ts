/**
 * A match consumes nothing: the whole-text search resumes right after its start, whether the
 * validator accepted its secret or not (scan.ts, accept()). Before, a rejected match was
 * consumed whole and an accepted one up to its secret's end, so a long quoted value (`pass ="…`
 * up to the next quote) swallowed the key name of a match starting inside it; a stream, which
 * searches each push from a bounded reach before the held text, found that match when its
 * search began inside the value, and streamed and whole-text output differed. These
 * properties hunt for such differences: with the old rule for rejected matches the first three
 * fail (checked), and with the old rule for accepted ones the stream properties fail once the
 * near detectors are searched from 64 characters back (checked: the second case below).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { scanOpen } from '../../proxy/masking/scan.js';
import { streamMasked } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 9) });
const streamed = (text: string, sizes: number[]) => streamMasked(masker, text, sizes);

const word = fc.constantFrom('pass', 'password', 'token', 'api_key', 'secret', 'auth', 'creds', 'key', 'ApiKey', 'Password', 'AUTH_TOKEN', 'client_secret');
/** A key name: up to 50 name characters, then a secret word. */
const keyName = fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{0,50}$/), fc.constantFrom('', '_', '.', '-'), word).map(([p, sep, w]) => (p.length === 0 ? w : `${p}${sep}${w}`));
const sep = fc.constantFrom(' =', '=', ': ', ' = ', '":', '  ', ' ');
/** A value the validators accept (mixed classes, no white space). */
const goodValue = fc.stringMatching(/^[A-Za-z0-9+/]{14,40}$/);
/** A long value the validators reject (one repeated letter, or lower-case words). */
const badRun = fc.oneof(
  fc.integer({ min: 0, max: 320 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.constantFrom('the ', 'value ', 'of ', 'config ', 'is ', 'here '), { maxLength: 60 }).map((ws) => ws.join('')),
);
const assignment = fc.tuple(keyName, sep, fc.constantFrom('"', "'", ''), goodValue).map(([k, s, q, v]) => `${k}${s}${q}${v}${q}`);
const xml = fc.tuple(keyName, goodValue, fc.constantFrom('add', 'tag')).map(([k, v, form]) => (form === 'add' ? `<add key="${k}" value="${v}"/>` : `<${k}>${v}</${k}>`));
/** An opening of a rejected quoted value: `key ="` then a long rejected run, closed (or not) by what follows. */
const rejectedOpen = fc.tuple(keyName, fc.constantFrom(' ="', '="', ': "', "='", ' = `'), badRun).map(([k, s, run]) => `${k}${s}${run}`);
const filler = fc.constantFrom(' ', '\n', 'the ', 'and ', '<', '>', '"', "'", '=', '/>', 'ghp_', 'x');
const piece = fc.oneof({ weight: 3, arbitrary: rejectedOpen }, { weight: 3, arbitrary: assignment }, { weight: 2, arbitrary: xml }, { weight: 2, arbitrary: filler });
const text = fc.array(piece, { minLength: 2, maxLength: 7 }).map((ps) => ps.join(' '));
const sizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

describe('a match consumes nothing', () => {
  it('a long rejected quoted value does not swallow the assignment that starts inside it', () => {
    const value = `a0+++a+0AA0+/0aA${'x'.repeat(100)}`;
    const t = `pass ="<Password>${value}</Password>pass  <add key="00aa_Password" value="+A++a0//+AA/Aa"/>`;
    // The match starting inside the rejected value is found by whole text too …
    expect(masker.mask(t).text).not.toContain('00aa_Password');
    // … and the stream masks the same, whatever the chunking.
    for (const n of [1, 7, 64, 1024]) expect(streamed(t, [n])).toBe(masker.mask(t).text);
  });

  it('an accepted quoted value does not swallow the assignment that starts inside it', () => {
    // The first value (`the the the the  Aa0pass =`) passes the validator; the second `pass`
    // starts inside it. Whole text used to resume after the first secret and never try it.
    const t = 'pass ="the the the the  Aa0pass ="the the the the the the  00aA0.pass ="/A+/aaa00/A+a+"  ';
    expect(masker.mask(t).findings.length).toBe(2);
    for (const n of [1, 8, 64]) expect(streamed(t, [n])).toBe(masker.mask(t).text);
  });

  it('streams texts with long rejected quoted values and key names as whole text masks them (property)', () => {
    let found = 0;
    fc.assert(
      fc.property(text, sizes, (t, chunks) => {
        const whole = masker.mask(t);
        if (whole.findings.length > 0) found++;
        expect(streamed(t, chunks)).toBe(whole.text);
      }),
      { numRuns: 400, seed: 2026_1216 },
    );
    expect(found).toBeGreaterThan(200);
  });

  it('the same with one-character pushes (the search starts furthest inside a rejected value)', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(streamed(t, [1])).toBe(masker.mask(t).text);
      }),
      { numRuns: 150, seed: 2026_1217 },
    );
  });

  it('a search from inside a rejected match finds what the search from the start finds there (property)', () => {
    // The locality the stream relies on, without the stream: the matches that start at or
    // after `from` give the same findings, unless an accepted one from before `from` reaches
    // past it (its secret is masked either way).
    fc.assert(
      fc.property(text, fc.nat(), (t, k) => {
        const from = k % (t.length + 1);
        const whole = scanOpen(t, masker.detectors);
        if (whole.findings.some((f, i) => whole.matchStarts[i]! < from && f.end > from)) return;
        const part = scanOpen(t, masker.detectors, from);
        const startingAfter = (s: typeof whole) => s.findings.filter((_, i) => s.matchStarts[i]! >= from);
        expect(startingAfter(part)).toEqual(startingAfter(whole));
      }),
      { numRuns: 400, seed: 2026_1218 },
    );
  });
});
