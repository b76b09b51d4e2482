/**
 * The placeholder-word test of looksLikeRealSecret (example, changeme, `<…>`, …) and a cheap
 * check that lets most real secrets skip it.
 *
 * The regex tries some fifty alternatives at every character (~140 instructions a character
 * on V8: most alternatives begin with a common letter, so the engine cannot skip ahead), and
 * nearly every value it sees is a random-looking secret that matches none. Every match of
 * every alternative contains `<`, `>` or one of the three-character sequences below, in
 * either case (the regex's `i` flag without `u` folds ASCII letters only: no other character
 * matches one), so a value containing none of them cannot match and the regex is not called.
 * A value that contains one is decided by the regex, as before.
 */

export const PLACEHOLDER_WORDS =
  /example|your[_\- ]?|placeholder|(?:^|[^a-z])test(?:[^a-z]|$)|test[_-]?only|^pass(?:word)?\d*$|^password\d+|changeme|change[_-]me|dummy|fake|sample|redacted|filtered|masked:|replace[_-]?me|insert|<|>|\*{3}|x{6}|X{6}|todo|hunter2|lorem|ipsum|^test|test$|_test_|testpass|testing|mock|secret[_-]?here|key[_-]?here|token[_-]?here|^none$|^null$|^nil$|^undefined$|^true$|^false$|^password$|^secret$|^string$|^required$|^optional$|\.\.\./i;

/**
 * A three-character sequence that every match of each alternative contains, in the order of
 * the alternatives (`<` and `>` are checked on their own). A test holds this list to the
 * regex's alternatives.
 */
export const PLACEHOLDER_TRIGRAMS: readonly string[] = [
  'exa', 'you', 'pla', 'tes', 'tes', 'pas', 'pas', 'cha', 'cha', 'dum', 'fak', 'sam', 'red', 'fil', 'mas', 'rep', 'ins',
  '<', '>', '***', 'xxx', 'xxx', 'tod', 'hun', 'lor', 'ips', 'tes', 'tes', 'tes', 'tes', 'tes', 'moc', 'sec', 'key', 'tok',
  'non', 'nul', 'nil', 'und', 'tru', 'fal', 'pas', 'sec', 'str', 'req', 'opt', '...',
];

/**
 * Character classes of the sequences: letters by lower case 1–26, `*` 27, `.` 28, `<` and `>`
 * ANGLE, anything else 0.
 */
export const PLACEHOLDER_CLASS = new Uint8Array(128);
for (let c = 0; c < 26; c++) PLACEHOLDER_CLASS[97 + c] = PLACEHOLDER_CLASS[65 + c] = c + 1;
PLACEHOLDER_CLASS[42] = 27;
PLACEHOLDER_CLASS[46] = 28;
const ANGLE = 31;
PLACEHOLDER_CLASS[60] = PLACEHOLDER_CLASS[62] = ANGLE;

function cls(ch: string): number {
  const c = ch.charCodeAt(0);
  const k = c < 128 ? PLACEHOLDER_CLASS[c]! : 0;
  if (k === 0 || k === ANGLE) throw new Error(`placeholder sequence character ${JSON.stringify(ch)} has no class`);
  return k;
}

/**
 * The sequences as a table by their three classes, five bits each (a rolling index: shift,
 * or, mask), and every index whose last class is ANGLE (a `<` or `>` anywhere is enough). No
 * sequence has ANGLE in its first two places, so a `<` two characters back completes none.
 */
export const PLACEHOLDER_TRIGRAM_TABLE = new Uint8Array(1 << 15);
for (const t of PLACEHOLDER_TRIGRAMS) if (t.length === 3) PLACEHOLDER_TRIGRAM_TABLE[(cls(t[0]!) << 10) | (cls(t[1]!) << 5) | cls(t[2]!)] = 1;
for (let hi = 0; hi < 1 << 10; hi++) PLACEHOLDER_TRIGRAM_TABLE[(hi << 5) | ANGLE] = 1;

/** False when `v` cannot match PLACEHOLDER_WORDS: it contains no `<`, `>` and none of the sequences. */
export function mayHavePlaceholderWord(v: string): boolean {
  const classes = PLACEHOLDER_CLASS;
  const table = PLACEHOLDER_TRIGRAM_TABLE;
  let t = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    t = ((t << 5) | (c < 128 ? classes[c]! : 0)) & 0x7fff;
    if (table[t] === 1) return true;
  }
  return false;
}

/** PLACEHOLDER_WORDS.test(v), with the regex called only when the cheap check allows a match. */
export function hasPlaceholderWord(v: string): boolean {
  return mayHavePlaceholderWord(v) && PLACEHOLDER_WORDS.test(v);
}
