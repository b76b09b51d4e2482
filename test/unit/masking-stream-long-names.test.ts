/**
 * Long key names in front of secrets: a stream searches only a bounded reach before the text
 * it holds (stream-masker.ts; Detector.reach), so a pattern whose key name may run on without
 * bound (`datadog[A-Za-z_.\-]*api_key`) matched a name of hundreds of characters in whole
 * text while the stream, its match's start out of reach, forwarded the secret unmasked
 * (issue 13; docs/masking.md, "What a stream keeps"). The names are bounded so a match's start
 * stays within reach of its secret; a longer name matches neither whole nor streamed.
 */
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { streamMasked } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

const HEX32 = '0123456789abcdef0123456789abcdef';
const B64_40 = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYqwe7nmKEY1';

/** Per detector, a text whose key name is widened by `n` characters of its name's class. */
const CASES: Array<{ type: string; text: (n: number, sep: string) => string }> = [
  { type: 'aws-secret-access-key', text: (n, sep) => `aws_secret${'_'.repeat(n)}_key${sep}"${B64_40}"` },
  { type: 'heroku-api-key', text: (n, sep) => `heroku${'x'.repeat(n)}_api_key${sep}12345678-1234-1234-1234-123456789abc` },
  {
    // A .netrc entry: the login (not a key name) is the run; blanks as wide as the separator.
    type: 'heroku-api-key',
    text: (n, sep) => {
      const b = sep.replace('=', '\n');
      return `machine api.heroku.com${b}login ${'u'.repeat(n)}me@example.org${b}password 12345678-1234-1234-1234-123456789abc`;
    },
  },
  { type: 'datadog-api-key', text: (n, sep) => `datadog${'.'.repeat(n)}_api_key${sep}${HEX32}` },
  { type: 'twilio-auth-token', text: (n, sep) => `twilio${'-'.repeat(n)}_secret${sep}"${HEX32}"` },
  { type: 'vault-unseal-key', text: (n, sep) => `Unseal Key ${'1'.repeat(Math.max(1, n))}:${sep.slice(2)}${B64_40}AB==` },
];

const around = (s: string) => `config for the service\n${s}\nend of config\n`;

describe('a long key name before a secret streams as whole text masks it', () => {
  for (const c of CASES) {
    it(`${c.type} (${CASES.indexOf(c)}): names widened by 0–700 characters, pushes of 16 and 64`, () => {
      // A short name is found (the case exercises its detector).
      expect(masker.mask(around(c.text(2, ' = '))).findings.map((f) => f.type)).toContain(c.type);
      const bad: string[] = [];
      for (const n of [0, 2, 8, 12, 16, 24, 32, 48, 100, 300, 700]) {
        // A plain `=` and the longest blanks the separator allows (16 each side).
        for (const [s, sep] of [['plain', ' = '], ['wide', `${' '.repeat(16)}=${' '.repeat(16)}`]] as const) {
          const text = around(c.text(n, sep));
          const whole = masker.mask(text).text;
          for (const size of [16, 64]) if (streamMasked(masker, text, [size]) !== whole) bad.push(`+${n} ${s} pushes ${size}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
