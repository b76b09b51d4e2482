/**
 * JavaScript's `\s` (white space and line terminators) as a test on one UTF-16 code unit:
 * the hot streaming paths ask it per character, where `/\s/.test(text[i])` costs a regex
 * call and a one-character string each time. A test holds it equal to `/\s/`.
 */
export function isWhiteSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** A line break as `^`, `$` and `.` see it (with the m flag for the anchors): \n, \r, U+2028, U+2029. */
export const isLineBreak = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
