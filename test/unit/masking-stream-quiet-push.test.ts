/**
 * A push whose new text has no keyword, after a push that left nothing in progress, can
 * still complete a secret: the match starts at a keyword or start literal the earlier push
 * already had, and that push's attempt there failed only because the text ended. A stream
 * that skipped its searches on such a push (treating every earlier start as decided) would
 * forward the secret's rest unmasked; these texts, split at every point, hold it to whole text.
 */
import { describe, expect, it } from 'vitest';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';

const masker = new Masker({ key: Buffer.alloc(32, 7), cacheChars: 0 });

/** `text` pushed as text[0, cut) and text[cut, end), flushed. */
function twoPieces(text: string, cut: number): string {
  const sm = new StreamingMasker(masker);
  return sm.push(text.slice(0, cut)) + sm.push(text.slice(cut)) + sm.flush();
}

/** n hex digits, made up (deterministic). */
const hex = (n: number, seed: number) => Array.from({ length: n }, (_, i) => '0123456789abcdef'[(i * 7 + seed * 13 + ((i * i) % 5)) % 16]).join('');

const TEXTS: Array<[string, string]> = [
  // Twilio: the account SID is the start literal; the auth token after the colon has none.
  ['a Twilio SID and auth token after curl -u', `curl -X POST https://api.example.test/send \\\n  -u AC${hex(32, 1)}:${hex(32, 2)}\n`],
  // A JWT longer than the reach: its header is the start literal; the payload and signature that follow have none.
  [
    'a JWT whose payload and signature arrive later',
    `const client = createClient(\n  "https://example.test",\n  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify({ iss: 'https://issuer.example.test/', sub: 'user|0123456789abcdef01234567', aud: 'https://api.example.test', iat: 1742578605, exp: 1742665005, scope: 'openid profile email' })).toString('base64url')}.P0zX0KUXhuBdM8ZZyPD4vWd0X41T7zBL1r4unCQDxqL"\n);\n`,
  ],
  // An AWS secret access key: its detector's start literal is the call before the access key id.
  ['an AWS secret access key after its key id', `AWSCredentials credentials = new BasicAWSCredentials(\n        "AKIA6X64GJ6LW6STQ5HQ",\n        "${'k7Q2mZ9xV4bN1cR8tY3uW6eL0pA5sD+fG/hJ2kLq'}");\nAmazonS3 s3 = AmazonS3ClientBuilder.standard().build();\n`],
];

/** `text` pushed in pieces of `n` characters, flushed. */
function pieces(text: string, n: number): string {
  const sm = new StreamingMasker(masker);
  let out = '';
  for (let i = 0; i < text.length; i += n) out += sm.push(text.slice(i, i + n));
  return out + sm.flush();
}

describe('a push without keywords after a quiet push', () => {
  for (const [name, text] of TEXTS) {
    it(`masks ${name} as whole text does, cut at every point and in pieces of 1–64 characters`, () => {
      const whole = masker.mask(text).text;
      expect(whole).not.toBe(text); // (the text has a secret)
      for (let cut = 1; cut < text.length; cut++) expect(twoPieces(text, cut), `cut at ${cut}`).toBe(whole);
      for (let n = 1; n <= 64; n++) expect(pieces(text, n), `pieces of ${n}`).toBe(whole);
    });
  }
});
