/** Key material: PEM/OpenSSH/PGP private key blocks, PuTTY keys, JWTs. */
import type { Detector } from '../detector.js';

// Body characters of a key block, including escaped newlines ("\n" inside JSON strings),
// PGP/OpenSSL armor headers ("Version: …", "Proc-Type: 4,ENCRYPTED") and indentation.
// Armor header lines ("Comment: erin <e@x.com>") and XML-escaped newlines (&#xA;) occur too;
// quotes and braces end an unterminated block (the end of a JSON/YAML string or code literal).
const BODY = String.raw`[^"'\x60{}]`;
const KIND = String.raw`(?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)`;
/**
 * The block's body up to its end: body characters, a dash only where the END line does not
 * begin, then that line or a character that ends the block. The same match as the lazy
 * `${BODY}{0,20000}?(?:-----END \k<kind>-----|(?!${BODY}))` (masking-private-key.test.ts holds them
 * equal): both stop at the first place where the END line begins or the body ends, and
 * nowhere else. The lazy form tried both ends at every character, ~2.4 times the instructions
 * (the regex was ~5 % of a pass of the dense corpus).
 */
export const PRIVATE_KEY_BLOCK_REST = String.raw`(?:[^"'\x60{}\-]|-(?!----END \k<kind>-----)){0,20000}(?:-----END \k<kind>-----|(?!${BODY}))`;

export const keyDetectors: Detector[] = [
  {
    id: 'private-key',
    description: 'Private key block (PKCS#1/#8, EC, DSA, OpenSSH, PGP), also inside JSON strings; an unterminated block is masked to its end',
    pattern: new RegExp(String.raw`(?<secret>-----BEGIN ${KIND}-----${PRIVATE_KEY_BLOCK_REST})`, 'dg'),
    keywords: ['private key'],
    prefixes: ['-----BEGIN '],
    tail: /-{1,5}(?:B(?:E(?:G(?:I(?:N(?: [A-Z ]{0,30}(?:-{1,5})?)?)?)?)?)?)?$/,
    priority: 90,
    validate: (s) => {
      // "-----BEGIN RSA PRIVATE KEY-----\nYOUR_KEY_CONTENT\n-----END…" is a placeholder, not a key.
      const body = s
        .replace(/-----(?:BEGIN|END)[^-]*-----/g, '')
        .replace(/^[A-Za-z-]+: .*$/gm, '')
        .replace(/(?:\\[nr]|\s)+/g, '');
      return body.length >= 40 && !/YOUR|EXAMPLE|KEY_?CONTENT|\.\.\.|REDACTED/i.test(s);
    },
  },
  {
    id: 'putty-private-key',
    description: 'PuTTY private key file',
    pattern: /(?<secret>PuTTY-User-Key-File-\d: [\s\S]{0,8000}?Private-MAC: [a-f0-9]{40,64})/dg,
    keywords: ['putty-user-key-file'],
    prefixes: ['PuTTY-User-Key-File-'],
    priority: 90,
  },
  {
    id: 'jwt',
    description: 'JSON Web Token (header.payload.signature, base64url)',
    pattern: /(?<![A-Za-z0-9_\-])(?<secret>eyJ[A-Za-z0-9_\-]{10,2000}\.eyJ[A-Za-z0-9_\-]{10,8000}\.[A-Za-z0-9_\-]{16,1000})(?![A-Za-z0-9_\-.])/dg,
    keywords: ['eyj'],
    prefixes: ['eyJ'],
    tokenChars: /[A-Za-z0-9_\-.]/,
    priority: 70,
  },
];
