/**
 * Hand-written necessary conditions for a match of a generic pattern beginning at a start
 * literal (Detector.mayStartAt): the anchored scan asks before its regex call, which costs
 * far more than the few characters read here. Each says false only where its pattern cannot
 * match, as worked out from the pattern below it in its comment; it never decides a match.
 * `masking-start-checks.test.ts` holds each true wherever its pattern matches (corpora, hand
 * cases, generated text). Tried and reverted (docs/benchmarks.md, kw23): the skipped regex
 * calls saved about what the checks cost.
 *
 * The patterns are case-insensitive without the u flag: their letters match ASCII letters
 * only, so these checks read ASCII only.
 *
 * Every read is inside the text (`code`): V8 inlines a charCodeAt that has never been out of
 * range, and calls a builtin for one that has (tens of instructions a character; callgrind
 * put these checks at ~26 M instructions a dense pass with out-of-range reads).
 */

/** The character at `i`, or -1 outside the text. */
const code = (text: string, i: number) => (i >= 0 && i < text.length ? text.charCodeAt(i) : -1);

const isBlank = (c: number) => c === 32 || c === 9;
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
/** Characters of a key word with its suffix (KW in generic.ts: letters, digits of `b64`, `_.-`). */
const isKeyWordChar = (c: number) => isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
const isQuote = (c: number) => c === 34 || c === 39;

/**
 * Where the key word starting at `at` ends, if anywhere: every character of KW is a key-word
 * character, and the quote the pattern needs right after KW is not one, so KW ends where the
 * run of key-word characters ends.
 */
function keyWordEnd(text: string, at: number): number {
  let r = at + 2; // a start literal has at least two key-word characters
  while (r < text.length && isKeyWordChar(text.charCodeAt(r))) r++;
  return r;
}

function afterBlanks(text: string, r: number): number {
  while (isBlank(code(text, r))) r++;
  return r;
}

/** `KW(?=['"])(?<=…)["'][ \t]*,[ \t]*(?:"…|'…)`: a quote right after the key word, blanks, a comma, blanks, a quote. */
export function quotedArgsMayStart(text: string, at: number): boolean {
  const r = keyWordEnd(text, at);
  if (!isQuote(code(text, r))) return false;
  const comma = afterBlanks(text, r + 1);
  return code(text, comma) === 44 && isQuote(code(text, afterBlanks(text, comma + 1)));
}

/** Whether `text` at `at` reads `key`, `api` (in any case). */
const isKey = (text: string, at: number) => (code(text, at) | 32) === 107 && (code(text, at + 1) | 32) === 101 && (code(text, at + 2) | 32) === 121;
const isApi = (text: string, at: number) => (code(text, at) | 32) === 97 && (code(text, at + 1) | 32) === 112 && (code(text, at + 2) | 32) === 105;

/**
 * "my API key is …", "… is my token" (generic.ts). Its first alternative begins after a blank
 * (`(?<=[ \t])`); so does its second, except where its word is found by the look-behind
 * `(?<=[ \t](?:api[ _\-]?key|key|token|password|secret))` in another way:
 * - `key` preceded by `api` and `_`, `-` or nothing (`apikey`, `api_key`; after `api ` the
 *   blank is before it);
 * - `api key` with a space (the look-behind's ` key`; `apikey` and `api_key` end in no blank
 *   then `key`, and nothing of the list ends with `api` or `pi`).
 */
export function proseMayStart(text: string, at: number): boolean {
  if (isBlank(code(text, at - 1))) return true;
  if (isKey(text, at)) {
    const c = code(text, at - 1);
    return isApi(text, c === 95 || c === 45 ? at - 4 : at - 3);
  }
  return isApi(text, at) && code(text, at + 3) === 32 && isKey(text, at + 4);
}

/**
 * "the password is …", "client secret …" (prose.ts): `(?:STRONG|NAMED(?<=CONNECT NAMED))`.
 * CONNECT ends with a blank, and no word of NAMED ends with another (nor contains a blank but
 * `api key`, whose `key` is none), so NAMED follows a blank; every word STRONG begins with is
 * letters followed by a blank.
 */
export function chatMayStart(text: string, at: number): boolean {
  if (isBlank(code(text, at - 1))) return true;
  let r = at + 2;
  while (r < text.length && isLetter(text.charCodeAt(r))) r++;
  return isBlank(code(text, r));
}

/** A character that ends url-password's user or password: ASCII white space, `@/?#"'\`<>` (and `:` for the user). */
const endsUrlPart = (c: number) => c === 64 || c === 47 || c === 63 || c === 35 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62 || c === 32 || (c >= 9 && c <= 13);

/**
 * url-password (auth.ts), `:\/\/(?<=…)U{0,200}:P{1,300}@…`, U and P not white space nor
 * `@/?#"'\`<>` (U nor `:`): after `://`, the first `:` comes before any character U excludes,
 * and after it the first character P excludes is an `@`, one or more characters on. A part
 * longer than its bound passes (the regex decides). Other white space than ASCII's is read as
 * a user or password character: a weaker condition, never a stronger one.
 */
export function urlPasswordMayStart(text: string, at: number): boolean {
  let r = at + 3;
  const userEnd = Math.min(text.length, r + 201);
  while (r < userEnd) {
    const c = text.charCodeAt(r);
    if (c === 58) break;
    if (endsUrlPart(c)) return false;
    r++;
  }
  if (r === userEnd) return userEnd !== text.length;
  const from = ++r;
  const end = Math.min(text.length, r + 301);
  while (r < end) {
    const c = text.charCodeAt(r);
    if (endsUrlPart(c)) return c === 64 && r > from;
    r++;
  }
  return end !== text.length;
}
