/** Key material: PEM/OpenSSH/PGP private key blocks, PuTTY keys, JWTs. */
import type { Detector } from '../detector.js';
import { isLineBreak, isWhiteSpace } from '../white-space.js';

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

const PLACEHOLDER = /YOUR|EXAMPLE|KEY_?CONTENT|\.\.\.|REDACTED/i;

/** Where a BEGIN/END marker (`/-----(?:BEGIN|END)[^-]*-----/`) that starts at `i` ends, or -1. */
function markerEnd(s: string, i: number): number {
  if (!s.startsWith('-----', i)) return -1;
  let j: number;
  if (s.startsWith('BEGIN', i + 5)) j = i + 10;
  else if (s.startsWith('END', i + 5)) j = i + 8;
  else return -1;
  j = s.indexOf('-', j);
  return j >= 0 && s.startsWith('-----', j) ? j + 5 : -1;
}

// A line's state while its start may still be a header name ("Proc-Type: …").
const LINE_START = 0;
const NAME = 1;
const COLON = 2;
const HEADER = 3;
const OTHER = 4;

/**
 * Whether the block's body is at least `min` characters: what is left once the BEGIN/END
 * markers (`/-----(?:BEGIN|END)[^-]*-----/g`), then the header lines (`/^[A-Za-z-]+: .*$/gm`,
 * in the text without the markers, so a removed marker may join a header line), then blanks
 * and `\n`/`\r` escapes (`/(?:\\[nr]|\s)+/g`, after both) are removed. One forward count that
 * stops at `min` instead of the three `replace` passes over each block (~1.7 k characters);
 * masking-private-key-body.test.ts holds it equal to them.
 */
export function keyBodyAtLeast(s: string, min: number): boolean {
  let count = 0;
  let state = LINE_START;
  let name = 0; // a header name's characters (and its colon), counted if the line is no header
  let backslash = false; // a backslash not yet counted: with `n` or `r` after it, it is removed
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 45) {
      const end = markerEnd(s, i);
      if (end >= 0) {
        i = end;
        continue;
      }
    }
    i++;
    if (isLineBreak(c)) {
      if (state === NAME || state === COLON) count += name;
      if (backslash) count++;
      backslash = false;
      state = LINE_START;
      if (count >= min) return true;
      continue;
    }
    if (state !== OTHER) {
      if (state === HEADER) continue;
      if (state === LINE_START) {
        if (c === 45 || ((c | 32) >= 97 && (c | 32) <= 122)) {
          state = NAME;
          name = 1;
          continue;
        }
      } else if (state === NAME) {
        if (c === 45 || ((c | 32) >= 97 && (c | 32) <= 122)) {
          name++;
          continue;
        }
        if (c === 58) {
          state = COLON;
          name++;
          continue;
        }
        count += name;
      } else {
        if (c === 32) {
          state = HEADER;
          continue;
        }
        count += name;
      }
      state = OTHER;
    }
    if (backslash) {
      backslash = false;
      if (c === 110 || c === 114) continue;
      count++;
    }
    if (c === 92) backslash = true;
    else if (!isWhiteSpace(c)) count++; // (c is no line break here: those ended the line above)
    if (count >= min) return true;
  }
  if (state === NAME || state === COLON) count += name;
  if (backslash) count++;
  return count >= min;
}

export const keyDetectors: Detector[] = [
  {
    id: 'private-key',
    description: 'Private key block (PKCS#1/#8, EC, DSA, OpenSSH, PGP), also inside JSON strings; an unterminated block is masked to its end',
    pattern: new RegExp(String.raw`(?<secret>-----BEGIN ${KIND}-----${PRIVATE_KEY_BLOCK_REST})`, 'dg'),
    keywords: ['private key'],
    prefixes: ['-----BEGIN '],
    tail: /-{1,5}(?:B(?:E(?:G(?:I(?:N(?: [A-Z ]{0,30}(?:-{1,5})?)?)?)?)?)?)?$/,
    priority: 90,
    // "-----BEGIN RSA PRIVATE KEY-----\nYOUR_KEY_CONTENT\n-----END…" is a placeholder, not a key.
    validate: (s) => keyBodyAtLeast(s, 40) && !PLACEHOLDER.test(s),
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
