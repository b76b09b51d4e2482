/**
 * Values that the words after them call a secret: `<value> is my Stripe key`,
 * `"<value>" a valid API key`, and a value alone on its line followed by
 * `^ that's the API key`. For streaming, the streaming hold of each: a value is held
 * only while the text after it is still the beginning of such a phrase. Once a word
 * arrives that no such phrase can contain (`<value> and restart …`), the value and
 * what follows it are released at once, instead of waiting for the line to end.
 * The phrases are written once (as parts) and give both the detectors' checks and the
 * holds, so the two cannot disagree. Never finds secrets by itself.
 */
import type { HoldMemo, ValidateContext } from '../detector.js';
import { looksLikeRealSecret } from '../entropy.js';
import { isLineBreak, isWhiteSpace } from '../white-space.js';
import { chars, either, optional, prefixToEnd, seq, upTo, words, type Part } from '../prefix-pattern.js';
import type { RunLog } from '../run-log.js';
import { isBlank, isOwnLineChar, isValueChar, RunFacts } from './run-facts.js';

/** How far back from the end of the text the holds look (as the streaming masker's own tail rules do). */
const WINDOW = 600;

/** The blank-run starts holdProseValue() tries a value's end at (besides the text's end), and the line starts holdOwnLineValue() tries. */
const RUN_SLOTS = 7;
const LINE_SLOTS = 6;

const SP = chars('[ \\t]', 1);
const KEY_WORDS = ['api key', 'api_key', 'api-key', 'apikey', 'key', 'token', 'password', 'secret'];

/**
 * Between a value and the key word of `<value> is my Stripe key`: the free words must be
 * capitalised names (Stripe, GitHub, AWS) or words that say which key it is (personal,
 * staging …), not any words: `<value> and restart the service` must not keep the value
 * (and the answer after it) held. The detector's regex runs case-insensitively, where
 * `[A-Z]` would accept any word; its validate() applies this case-sensitive form.
 */
const NAME_WORD = either(seq(chars('[A-Z]', 1, 1), chars('[\\w\\-]', 0)), words('personal', 'new', 'old', 'live', 'staging', 'dev', 'admin', 'private', 'deploy', 'service', 'access', 'current', 'master', 'root', 'backup'));
const PROSE_GAP: Part = seq(SP, optional(words('is ')), optional(words('a ', 'my ', 'the ', 'our ')), optional(words('valid ', 'real ', 'prod ', 'production ')), upTo(seq(NAME_WORD, words(' ')), 2));
const PROSE_AFTER_VALUE = prefixToEnd(seq(PROSE_GAP, words(...KEY_WORDS)));
const PROSE_GAP_WHOLE = new RegExp(`^"?${PROSE_GAP.full}$`);

/** From the end of a value on its own line to the end of `\n^ that's the API key`. */
const OWN_LINE_AFTER: Part = seq(
  chars('[ \\t]', 0),
  optional(words('\r')),
  words('\n'),
  optional(seq(chars('[ \\t]', 0), optional(words('\r')), words('\n'))),
  chars('[ \\t]', 0),
  optional(words('^')),
  chars('[ \\t]', 0),
  words("that's", 'thats', 'this is', "it's", 'its'),
  SP,
  words('the', 'my', 'our'),
  SP,
  upTo(seq(chars('[\\w\\-]', 1), SP), 3),
  words(...KEY_WORDS, 'credential'),
);
const OWN_LINE_VALUE = new RegExp(`([A-Za-z0-9_\\-+/=.~]{16,400})${OWN_LINE_AFTER.prefix}$`, 'y');

/** validate() of the prose detector: for `<value> … key`, the words between are a phrase with capitalised names. */
export function proseWordsAfterValue(ctx: ValidateContext): boolean {
  if (ctx.matchStart === undefined || ctx.end > ctx.matchStart) return true; // `my API key is <value>`: context before
  return PROSE_GAP_WHOLE.test(ctx.text.slice(ctx.end, ctx.matchStart));
}

/** Whether text[at, at + n) are all characters OWN_LINE_VALUE's value may have (a match at `at` needs 16). */
function valueRunAt(text: string, at: number, n: number): boolean {
  if (at + n > text.length) return false;
  for (let i = at; i < at + n; i++) if (!isOwnLineChar(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Whether [from, to) holds a run of at least `n` characters without ASCII white space. Both
 * holds need one (their values are 16+ such characters) and ordinary prose has none, so most
 * pushes are answered by this alone. Each window of `n` is read from its end: the last white
 * space in it rules out every window that starts at or before it, so in prose a few characters
 * per word are read, not every one.
 */
export function hasLongRun(text: string, from: number, to: number, n: number): boolean {
  let p = from;
  while (p + n <= to) {
    let j = p + n - 1;
    while (j >= p) {
      const c = text.charCodeAt(j);
      if (c === 32 || (c >= 9 && c <= 13)) break;
      j--;
    }
    if (j < p) return true;
    p = j + 1;
  }
  return false;
}

/** The stream's RunFacts: one for both holds when the stream shares state between its hooks (with the stream's run log when it shares one: stream-masker.ts). */
function runFacts(memo: HoldMemo): RunFacts {
  if (memo.shared) return (memo.shared.runFacts ??= new RunFacts(memo.base, (memo.shared.runLog as RunLog | undefined) ?? null)) as RunFacts;
  return (memo.state ??= new RunFacts(memo.base)) as RunFacts;
}

/** Hold for `<value> is my Stripe key` / `"<value>" a valid API key`: the value's start, or null. */
export function holdProseValue(text: string, from: number, memo?: HoldMemo): number | null {
  const lo = Math.max(0, from, text.length - WINDOW);
  if (memo) {
    // With a memo (one per stream), from what was read as it arrived: no value can end at
    // one of the places tried below.
    const facts = runFacts(memo);
    facts.read(text, memo.base, memo.base + text.length - WINDOW);
    if (!facts.mayHoldProse(text, memo.base, memo.base + Math.max(0, from), memo.base + lo)) return null;
  } else if (!hasLongRun(text, Math.max(0, from), text.length, 16)) {
    // The value starts at or after `from`: a quoted one is 16+ characters, a bare one 24+.
    return null;
  }
  // The phrase has at most seven runs of blanks (` is my valid Stripe Live api key`), so
  // a value it follows ends at one of the last seven run starts, or at the end of the
  // text (`"<value>"` with nothing after it yet); earliest first.
  const runs: number[] = [text.length];
  for (let k = text.length - 1; k >= lo && runs.length <= RUN_SLOTS; k--) {
    if (isBlank(text.charCodeAt(k)) && (k === 0 || !isBlank(text.charCodeAt(k - 1)))) runs.push(k);
  }
  for (let r = runs.length - 1; r >= 0; r--) {
    const q = runs[r]!;
    // The value first: a character loop, where the phrase is a large regex that runs slowly.
    const start = proseValueEndingAt(text, q);
    if (start === null || start < from) continue;
    PROSE_AFTER_VALUE.lastIndex = q;
    if (PROSE_AFTER_VALUE.test(text)) return start;
  }
  return null;
}

/** Start of a value the prose detector accepts that ends at `q` (`"…"` of 16+, or a bare run of 24+), or null. */
function proseValueEndingAt(text: string, q: number): number | null {
  let j = q - 1;
  if (text.charCodeAt(j) === 34) {
    // "<value>" — any characters but quotes and white space.
    const close = j;
    j--;
    while (j >= 0 && close - j <= 401 && text.charCodeAt(j) !== 34 && !isWhiteSpace(text.charCodeAt(j))) j--;
    const len = close - j - 1;
    if (j < 0 || text.charCodeAt(j) !== 34 || len < 16 || len > 400) return null;
    return looksLikeRealSecret(text.slice(j + 1, close), { minLength: 12 }) ? j + 1 : null;
  }
  while (j >= 0 && q - j <= 401 && isValueChar(text.charCodeAt(j))) j--;
  const start = j + 1;
  const len = q - start;
  if (len < 24 || len > 400 || (j >= 0 && isValueChar(text.charCodeAt(j))) || text.charCodeAt(start) === 45) return null;
  return looksLikeRealSecret(text.slice(start, q), { minLength: 12 }) ? start : null;
}

/** Hold for a value alone at the start of its line, until the next lines show whether they call it a key. */
export function holdOwnLineValue(text: string, from: number, memo?: HoldMemo): number | null {
  const lo = Math.max(0, from, text.length - WINDOW);
  if (memo) {
    // With a memo (one per stream): none of the line starts tried below is followed by 16
    // value characters.
    const facts = runFacts(memo);
    facts.read(text, memo.base, memo.base + text.length - WINDOW);
    if (!facts.mayHoldOwnLine(memo.base + lo)) return null;
  } else if (!hasLongRun(text, lo, text.length, 16)) {
    // The value (16+ characters) starts at a line start at or after `lo`.
    return null;
  }
  // The value's line, a blank line and the phrase's line: the value starts at one of the
  // last few line starts (a CRLF counts twice: `^` also matches between CR and LF).
  const starts: number[] = [];
  for (let k = text.length; k >= lo && starts.length < LINE_SLOTS; k--) {
    if (k === 0 || isLineBreak(text.charCodeAt(k - 1))) starts.push(k);
  }
  for (let i = starts.length - 1; i >= 0; i--) {
    // The value's first 16 characters first: most lines start with a shorter word.
    if (!valueRunAt(text, starts[i]!, 16)) continue;
    OWN_LINE_VALUE.lastIndex = starts[i]!;
    const m = OWN_LINE_VALUE.exec(text);
    if (m && looksLikeRealSecret(m[1]!, { minLength: 12 })) return starts[i]!;
  }
  return null;
}
