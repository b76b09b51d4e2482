/**
 * The private-key validator counts the block's body in one forward pass that stops at 40
 * characters (keys.ts keyBodyAtLeast): it must answer exactly as the three `replace` passes it
 * replaced, kept here as the reference, on the corpora, hand cases and generated texts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyBodyAtLeast, keyDetectors } from '../../proxy/masking/detectors/keys.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const detector = keyDetectors.find((d) => d.id === 'private-key')!;

/** The validator before the one-pass count. */
function reference(s: string): boolean {
  const body = s
    .replace(/-----(?:BEGIN|END)[^-]*-----/g, '')
    .replace(/^[A-Za-z-]+: .*$/gm, '')
    .replace(/(?:\\[nr]|\s)+/g, '');
  return body.length >= 40 && !/YOUR|EXAMPLE|KEY_?CONTENT|\.\.\.|REDACTED/i.test(s);
}

/** The body's length as the reference's passes leave it. */
function bodyLength(s: string): number {
  return s
    .replace(/-----(?:BEGIN|END)[^-]*-----/g, '')
    .replace(/^[A-Za-z-]+: .*$/gm, '')
    .replace(/(?:\\[nr]|\s)+/g, '').length;
}

/** Checks `s` and, for the count alone, every minimum around its body's length. */
function expectSame(s: string): void {
  expect(detector.validate!(s, { text: s, start: 0, end: s.length }), JSON.stringify(s)).toBe(reference(s));
  const n = bodyLength(s);
  for (const min of [0, 1, n - 1, n, n + 1, 40]) {
    if (min >= 0) expect(keyBodyAtLeast(s, min), `${JSON.stringify(s)} min ${min} length ${n}`).toBe(n >= min);
  }
}

const BEGIN = '-----BEGIN RSA PRIVATE KEY-----';
const END = '-----END RSA PRIVATE KEY-----';
const B64 = 'MIIEowIBAAKCAQEAx4Lz9QyN0bH2v8sUqP1fWmRkT3a6YcJ0dE5gH7iK8lM9nO0pQ';

const HAND: string[] = [
  '',
  BEGIN,
  `${BEGIN}\n${END}`,
  `${BEGIN}\n${B64}\n${END}`,
  `${BEGIN}\\n${B64}\\n${END}`,
  `${BEGIN}\r\n${B64.slice(0, 20)}\r\n${B64.slice(20)}\r\n${END}\r\n`,
  // Body of exactly 39, 40, 41 characters, with and without blanks and escapes in it.
  ...[39, 40, 41].flatMap((n) => [
    `${BEGIN}\n${B64.slice(0, n)}\n${END}`,
    `${BEGIN}\n${B64.slice(0, 20)}\n ${B64.slice(20, n)}\n${END}`,
    `${BEGIN}\\n${B64.slice(0, 10)}\\r\\n${B64.slice(10, n)}\\n${END}`,
    `${BEGIN}\n${B64.slice(0, n - 1)}\\`,
    `${BEGIN}\n${B64.slice(0, n - 2)}\\\\n`,
    `${BEGIN}\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABCDEF\n\n${B64.slice(0, n)}\n${END}`,
    `Comment: x\n${B64.slice(0, n - 3)}: y`,
    `${B64.slice(0, n - 2)}:`,
    `${B64.slice(0, n - 3)}:\n`,
    `${B64.slice(0, n - 2)}:\u2028`,
  ]),
  // A removed marker joins text into a header line, or ends the line before one.
  `Proc-Type${END}: 4,ENCRYPTED ${B64}`,
  `Proc-${BEGIN}Type: ${B64}`,
  `${BEGIN}Proc-Type: 4,ENCRYPTED ${B64}\n${B64.slice(0, 5)}`,
  `${BEGIN}\nVersion${END}:${END} ${B64}`,
  `${B64.slice(0, 30)}\n${BEGIN}Comment: ${B64}`,
  `Name:${BEGIN} ${B64}`,
  `Name: ${B64}\n-----BEGIN spans\nlines-----Name: ${B64}`,
  `-----BEGIN spans\n${B64}\nlines-----${B64.slice(0, 12)}`,
  `\\${BEGIN}n${B64.slice(0, 39)}`,
  `\\${END}r${B64.slice(0, 40)}`,
  `\\\\${END}n${B64.slice(0, 39)}`,
  // Markers that are not removed: no closing dashes, too few, a dash inside.
  `-----BEGIN RSA PRIVATE KEY---- ${B64.slice(0, 30)}`,
  `------BEGIN X-----${B64.slice(0, 39)}`,
  `----BEGIN X-----${B64.slice(0, 30)}`,
  `-----BEGIN X-Y-----${B64.slice(0, 36)}`,
  `-----ENDX----${B64.slice(0, 36)}-----`,
  `-----BEGINEND----------${B64.slice(0, 40)}`,
  // Blanks of every kind, lines ended by \r, U+2028 and U+2029.
  `${B64.slice(0, 38)}\u00a0\u1680\u2000\u200a\u202f\u205f\u3000\ufeff\t\v\fxy`,
  `Key: v\rKey: v\u2028Key: v\u2029${B64.slice(0, 40)}`,
  `\rA: b\n:${B64.slice(0, 39)}`,
  `A:b ${B64.slice(0, 36)}`,
  `A-: ${B64}\nA1: ${B64.slice(0, 36)}`,
  `-: ${B64}\n: ${B64.slice(0, 38)}`,
  // Placeholders.
  `${BEGIN}\nYOUR_KEY_CONTENT_${B64}\n${END}`,
  `${BEGIN}\n${B64}...\n${END}`,
  `${BEGIN}\n${B64}\n${END} (redacted)`,
  `${BEGIN}\nexample${B64}\n${END}`,
  `${BEGIN}\nKEYCONTENT${B64}\n${END}`,
];

const PIECES = [
  BEGIN, END, '-----BEGIN ', '-----END ', 'PRIVATE KEY', '-----', '-', '--', '----', 'Proc-Type', 'DEK-Info', 'Comment',
  ': ', ':', ' ', '  ', '\t', '\n', '\r\n', '\r', '\u2028', '\u00a0', '\\n', '\\r', '\\', '\\\\', 'n', 'r', 'AB', 'MIIEowIBAAKCAQEA',
  'b3BlbnNzaC1rZXk', '4,ENCRYPTED', 'x', '1', '=', '/', '+', 'YOUR', '...', 'é',
];

describe('the private-key validator', () => {
  it('answers as the three replace passes on the corpora', () => {
    let blocks = 0;
    for (const file of [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS]) {
      for (const e of loadCorpus(file)) {
        for (const m of e.text.matchAll(detector.pattern)) {
          const s = m.groups!.secret!;
          expectSame(s);
          // The block cut at every line end and at a few places inside.
          for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) expectSame(s.slice(0, k));
          for (const k of [7, 31, 33, 40, 60, 75]) expectSame(s.slice(0, k));
          blocks++;
        }
      }
    }
    expect(blocks).toBeGreaterThan(100);
  });

  it('answers as the three replace passes on hand cases', () => {
    for (const s of HAND) expectSame(s);
    expect(HAND.filter((s) => reference(s)).length).toBeGreaterThan(20);
    expect(HAND.filter((s) => !reference(s)).length).toBeGreaterThan(20);
  });

  it('answers as the three replace passes on generated texts', () => {
    const piece = fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 }));
    let yes = 0;
    let long = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const s = parts.join('');
        expectSame(s);
        if (reference(s)) yes++;
        if (bodyLength(s) >= 40) long++;
      }),
      { seed: 23, numRuns: 4000 },
    );
    expect(yes).toBeGreaterThan(30);
    expect(long).toBeGreaterThan(50);
  });
});
