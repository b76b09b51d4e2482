/**
 * Generic assignments: `password = "…"`, `api_key: …`, `"client_secret": "…"`,
 * `<string name="app_key">…</string>`, `my API key is …`. The value must look like a real
 * secret (entropy, character classes, not a placeholder or a variable reference).
 *
 * Performance: every pattern starts at its secret word (or a rare literal) and checks what
 * comes before with a look-behind, so the regex engine does not try a 60-character key
 * at every word of the text.
 */
import type { Detector, ValidateContext } from '../detector.js';
import { looksLikeRealSecret } from '../entropy.js';
import { isLineBreak } from '../white-space.js';
import { contextual, QUOTED_VALUE } from './build.js';
import { holdOwnLineValue, holdProseValue, proseWordsAfterValue } from './named-after.js';

// The secret word a key name ends with: DB_PASSWORD, apiKey, client_secret, x-api-key, AUTH_TOKEN, SECRET_KEY_BASE,
// DB_PW, creds, and with a suffix that names its form: clientSecretValue, token_b64, password_plain.
const KW = String.raw`(?:(?:pass(?:word|wd|phrase|code)?|pwd|(?<![A-Za-z])pw|(?<![A-Za-z])creds?|secret(?:[_.\-]?key[_.\-]?base)?|token|api[_.\-]?key|apikey|access[_.\-]?key|private[_.\-]?key|account[_.\-]?key|app[_.\-]?key|master[_.\-]?key|signing[_.\-]?key|encryption[_.\-]?key|license[_.\-]?key|sas[_.\-]?key|auth(?:[_.\-]?(?:key|code))?|credentials?|(?<![A-Za-z])key)(?:[_.\-]?(?:value|plain(?:text)?|raw|str(?:ing)?|b64|base64))?)(?![a-z])`;
/** Name characters a key name may have before its secret word. */
const KEY_PREFIX_MAX = 60;
/** A whole key name (only where it is cheap: after a fixed anchor like `<` or `="`). */
const KEY = String.raw`[A-Za-z0-9_.\-]{0,${KEY_PREFIX_MAX}}?${KW}`;
/**
 * The longest whole key name KEY matches: its prefix, and the longest secret word with its
 * suffix (`secret_key_base_plaintext`, 25). A closing tag still arriving may be that long (a
 * shorter bound let a stream release a long-named element's value before its closing tag was
 * complete).
 */
const TAG_MAX = KEY_PREFIX_MAX + 25;
const KEYWORDS = ['pass', 'pwd', 'pw', 'cred', 'secret', 'token', 'key', 'auth', 'credential'];
const SEPARATOR = String.raw`["'\]]{0,2}[ \t]{0,64}(?::[ \t]{0,64}[A-Za-z][A-Za-z0-9<>\[\]|]{0,30}[ \t]{0,64}=|\|\|=|\?\?=|:=|=>|[:=]|\)\s{0,64}=)[ \t]{0,64}(?:[rbuf]?(?=["']))?`;

// Cheap necessary conditions put before a costly look-behind, so the engine rarely runs it
// (~3% of the instructions of a dense corpus pass). Each only restates what the rest of the
// pattern requires, so the matches stay the same; a test compares each pattern with and
// without them.
/** Two quoted arguments: a quote follows the key name (written unlike SEPARATOR's `(?=["'])`, so the test finds it alone). */
const QUOTE_NEXT = String.raw`(?=['"])`;
/** "my API key is …": after the word, a blank or `:`/`=` (what `(?:[ \t]+(?:is|was))?[:=]?[ \t]+` begins with). */
const VALUE_NEXT = String.raw`(?=[ \t:=])`;
/** "… is my token": the look-behind ends in a blank and then the word. */
const SPACE_BEFORE = String.raw`(?<=[ \t](?:api[ _\-]?key|key|token|password|secret))`;
/**
 * "my API key is …": the word follows a blank (the look-behind after it ends in `[ \t]+` and
 * the word; no word of its list ends with another).
 */
const BLANK_BEFORE = String.raw`(?<=[ \t])`;
/** "… is my token": before `token`, `password` and `secret` a blank (SPACE_BEFORE; written unlike BLANK_BEFORE, so the test finds each alone). */
const BLANK_BEFORE_WORD = String.raw`(?<=[\t ])`;
/** The pre-checks above, for the test that holds them redundant. */
export const PRECHECKS = [QUOTE_NEXT, VALUE_NEXT, SPACE_BEFORE, BLANK_BEFORE, BLANK_BEFORE_WORD];

export const genericDetectors: Detector[] = [
  contextual({
    id: 'generic-secret',
    description: 'A secret-named key assigned a secret-looking value (code, config, env, JSON, YAML, headers)',
    pattern: new RegExp(String.raw`${KW}${SEPARATOR}${QUOTED_VALUE}`, 'dgi'),
    keywords: KEYWORDS,
    // Context complete, value not started yet (a value in progress is held as an open match).
    tail: new RegExp(String.raw`${KW}["'\]]{0,2}[ \t]*(?::[ \t]*[A-Za-z][A-Za-z0-9<>\[\]|]{0,30}[ \t]*=?|\|\|?=?|\?\??=?|:=?|=>?|,|\)\s*=?)?[ \t]*[rbuf]?["'\x60]?$`, 'i'),
    priority: 20,
    validate: genericValue,
  }),
  contextual({
    id: 'generic-secret',
    description: 'A secret-named key passed with its value as two quoted arguments: setdefault("API_TOKEN", "…")',
    pattern: new RegExp(String.raw`${KW}${QUOTE_NEXT}(?<=["'][A-Za-z0-9_.\-]{0,60}${KW})["'][ \t]{0,64},[ \t]{0,64}(?:"(?<s1>[^"\n\\]{1,400})(?:"|(?![\s\S]))|'(?<s2>[^'\n\\]{1,400})(?:'|(?![\s\S])))`, 'dgi'),
    keywords: KEYWORDS,
    priority: 20,
    validate: genericValue,
  }),
  contextual({
    id: 'generic-secret',
    description: 'Secret-named XML/plist element or attribute value',
    pattern: new RegExp(String.raw`<(?:string|add|entry|value|item)[^>]{0,200}?(?:name|key)="${KEY}"[^>]{0,200}>(?<secret>[^<\s]{8,400})(?:<|(?![\s\S]))`, 'dgi'),
    keywords: KEYWORDS,
    reach: 512,
    priority: 25,
    validate: genericValue,
  }),
  contextual({
    id: 'generic-secret',
    description: 'Fallback value of a secret-named variable (process.env.API_KEY ?? "…", ENV["TOKEN"] || "…")',
    pattern: new RegExp(String.raw`${KW}["'\]]{0,2}\)?[ \t]{0,64}(?:\?\?|\|\||\bor\b)[ \t]{0,64}(?:"(?<s1>[^"\n\\]{8,400})(?:"|(?![\s\S]))|'(?<s2>[^'\n\\]{8,400})(?:'|(?![\s\S])))`, 'dgi'),
    keywords: KEYWORDS,
    priority: 22,
    validate: genericValue,
  }),
  contextual({
    id: 'generic-secret',
    description: 'Secret-named XML settings: <add key="ApiKey" value="…"/>, <password>…</password>',
    pattern: new RegExp(
      String.raw`(?:<add[ \t]{1,8}key="${KEY}"[ \t]{1,8}value="(?<s1>[^"]{8,400})(?:"|(?![\s\S]))|<(?<tag>${KEY})>(?<s2>[^<\s]{6,400})(?:<\/\k<tag>>|<\/?[A-Za-z0-9_.\-]{0,${TAG_MAX}}(?![\s\S])|(?![\s\S])))`,
      'dgi',
    ),
    keywords: KEYWORDS,
    reach: 160,
    priority: 25,
    validate: (s, ctx) => looksLikeRealSecret(s, { minLength: 6 }) && !isEncryptedData(ctx.text, ctx.start),
  }),
  contextual({
    id: 'generic-secret',
    description: 'Secret-named variable in a Kubernetes/compose env list (- name: API_KEY / value: "…") or a Terraform variable default',
    pattern: new RegExp(
      String.raw`(?:name:[ \t]{0,24}["']?${KEY}["']?[ \t]{0,24}\r?\n[ \t]{0,24}value:|variable[ \t]{1,24}"${KEY}"[ \t]{0,24}\{[^}]{0,300}?default[ \t]{0,24}=)[ \t]{0,24}(?:"(?<s1>[^"\n]{8,400})(?:"|(?![\s\S]))|'(?<s2>[^'\n]{8,400})(?:'|(?![\s\S]))|(?<s4>[^\s"'#]{8,400}))`,
      'dgi',
    ),
    keywords: KEYWORDS,
    reach: 512,
    priority: 25,
    validate: (s) => looksLikeRealSecret(s),
  }),
  contextual({
    id: 'generic-secret',
    description: 'Signing secret passed to a JWT library: jwt.sign(payload, "…"), jwt.encode(claims, "…")',
    pattern: /\bjwt\.(?:sign|encode)\([^;\n]{0,300}?,[ \t]{0,64}(?:"(?<s1>[^"\n]{8,400})(?:"|(?![\s\S]))|'(?<s2>[^'\n]{8,400})(?:'|(?![\s\S])))/dg,
    keywords: ['jwt.'],
    reach: 512,
    priority: 30,
    validate: (s) => looksLikeRealSecret(s),
  }),
  contextual({
    id: 'generic-secret',
    description: '.netrc password entries',
    pattern: /password(?<=(?:^|[ \t\n])password)[ \t]{1,32}(?<secret>\S{6,300})/dgm,
    keywords: ['password'],
    priority: 25,
    validate: (s, ctx) => looksLikeRealSecret(s, { minLength: 6 }) && !isEncryptedData(ctx.text, ctx.start),
  }),
  contextual({
    id: 'generic-secret',
    description: 'A value on its own line that the next sentence calls a secret ("X\\n^ that\'s the API key")',
    // Starts at the phrase and finds the value with a look-behind, so the search runs where
    // the phrase occurs instead of at every line start.
    pattern: new RegExp(
      String.raw`(?:that'?s|this is|it'?s)(?<=^(?<s1>[A-Za-z0-9_\-+/=.~]{16,400})[ \t]{0,16}\r?\n(?:[ \t]{0,16}\r?\n)?[ \t]{0,16}\^?[ \t]{0,16}(?:that'?s|this is|it'?s))[ \t]{1,16}(?:the|my|our)[ \t]{1,16}(?:[\w\-]+[ \t]{1,16}){0,3}(?:api[ _\-]?key|key|token|password|secret|credential)`,
      'dgim',
    ),
    keywords: ['key', 'token', 'password', 'secret', 'credential'],
    priority: 15,
    validate: (s) => looksLikeRealSecret(s, { minLength: 12 }),
    hold: holdOwnLineValue,
  }),
  contextual({
    id: 'generic-secret',
    description: 'A value in backticks that the same sentence calls the new secret ("the new one is `X`")',
    pattern: new RegExp(String.raw`[ \t]is[ \t]{1,16}(?<=\b(?:new one|the new (?:key|token|secret|password)|it)[ \t]{1,16}is[ \t]{1,16})` + '`(?<s2>[^`\\s]{12,400})(?:`|(?![\\s\\S]))', 'dgim'),
    keywords: ['key', 'token', 'password', 'secret', 'credential', 'new one'],
    priority: 15,
    validate: (s) => looksLikeRealSecret(s, { minLength: 12 }),
  }),
  contextual({
    id: 'generic-secret',
    description: 'A key or password given in prose ("my API key is …", "… is my token")',
    pattern: new RegExp(
      String.raw`(?:${BLANK_BEFORE}(?:api[ _\-]?key|access key|token|password|secret|credential)s?${VALUE_NEXT}(?<=\b(?:my|our|the|this|here'?s|here is|use)[ \t]{1,16}(?:[\w\-]{1,64}[ \t]{1,16}){0,3}(?:api[ _\-]?key|access key|token|password|secret|credential)s?)(?:[ \t]{1,16}(?:is|was))?[:=]?[ \t]{1,16}(?:"(?<s1>[^"\s]{12,400})(?:"|(?![\s\S]))|'(?<s2>[^'\s]{12,400})(?:'|(?![\s\S]))|` +
        '`(?<s3>[^`\\s]{12,400})(?:`|(?![\\s\\S]))' +
        String.raw`|(?<s4>[A-Za-z0-9_+/=.~][A-Za-z0-9_\-+/=.~]{15,399}))|(?:${BLANK_BEFORE_WORD}(?:token|password|secret)|api[ _\-]?key|key)\b${SPACE_BEFORE}(?<=(?:"(?<p1>[^"\s]{16,400})"|(?<![A-Za-z0-9_\-+/=])(?<p2>[A-Za-z0-9_+/=][A-Za-z0-9_\-+/=]{23,399}))[ \t]{1,16}(?:is )?(?:a |my |the |our )?(?:valid |real |prod(?:uction)? )?(?:[A-Z][\w\-]{0,63} ){0,2}(?:api[ _\-]?key|key|token|password|secret)))`,
      'dgi',
    ),
    keywords: ['key', 'token', 'password', 'secret', 'credential'],
    tail: /(?<=\b(?:my|our|the|this|here'?s|here is|use)[ \t]+(?:[\w\-]+[ \t]+){0,3})(?:api[ _\-]?key|access key|token|password|secret|credential)s?(?:[ \t]+(?:is|was))?[:=]?[ \t]*["'\x60]?$/i,
    priority: 15,
    validate: (s, ctx) => looksLikeRealSecret(s, { minLength: 12 }) && !isEncryptedData(ctx.text, ctx.start) && proseWordsAfterValue(ctx),
    hold: holdProseValue,
  }),
];

function genericValue(s: string, ctx: ValidateContext): boolean {
  return valueLooksReal(s, ctx) && !isNonSecretKey(ctx.text, ctx.matchStart ?? ctx.start) && !isEncryptedData(ctx.text, ctx.start);
}

let lastText = '';
let lastStart = -1;
let lastEnd = -1;
let lastReal = false;

/**
 * looksLikeRealSecret and not isCodeExpression: both read only the text and the secret's span
 * (the secret is text.slice(start, end)), not where the match starts, so the last answer is
 * kept. The same span comes again right after: each key word of one key name starts a match
 * with the same value (`AWS_SECRET_ACCESS_KEY=…` at ACCESS and at KEY; 288 of the 1,962
 * key = value matches of a dense pass, ~15 k instructions each to judge). isNonSecretKey reads
 * around the match's start, so it is asked every time.
 */
function valueLooksReal(s: string, ctx: ValidateContext): boolean {
  if (ctx.start === lastStart && ctx.end === lastEnd && ctx.text === lastText) return lastReal;
  const real = looksLikeRealSecret(s) && !isCodeExpression(s, ctx);
  lastText = ctx.text;
  lastStart = ctx.start;
  lastEnd = ctx.end;
  lastReal = real;
  return real;
}

/**
 * `key = createFiber(…)`, `key = preloadSelector;`, `store(credential: Credential)`: an
 * unquoted identifier without digits, called, ended by `;` or written in camelCase, is code
 * (a secret in code is a quoted literal; a bare one in an env or YAML file has digits).
 */
function isCodeExpression(s: string, ctx: ValidateContext): boolean {
  const before = ctx.text.charCodeAt(ctx.start - 1);
  if (before === 34 || before === 39 || before === 96) return false; // quoted
  if (!/^[A-Za-z_$][A-Za-z_$]*(?:\.[A-Za-z_$][A-Za-z_$]*)*$/.test(s)) return false;
  const next = ctx.text.charCodeAt(ctx.end);
  return next === 40 || next === 59 || next === 41 || next === 44 || /^[a-z]+(?:[A-Z][a-z]+)+$/.test(s) || s.includes('.');
}

const isKeyChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;

/** Keys whose values are identifiers, not secrets (key ids, token URLs, TTLs …). `at` is inside the key name. */
function isNonSecretKey(text: string, at: number): boolean {
  let a = at;
  let b = at;
  while (a > 0 && at - a < 80 && isKeyChar(text.charCodeAt(a - 1))) a--;
  while (b < text.length && b - at < 80 && isKeyChar(text.charCodeAt(b))) b++;
  const key = text.slice(a, b).toLowerCase();
  return /(?:public|publishable|_id|keyid|key_id|-id|name|type|url|uri|endpoint|path|file|ttl|expir|length|size|format|version|hash|algorithm|header|prefix|field|policy|count|limit|timeout|enabled|mode|arn|region)$/.test(key) || /^(?:sort|cache|partition|primary|foreign|idempotency|hot|public)[_.\-]?key$/.test(key);
}

/**
 * Values under a SealedSecret's encryptedData, and SOPS `ENC[…]` values, are ciphertext, safe
 * to share. SealedSecret: the value's YAML document (from the last `\n---` before it) has a
 * `kind: SealedSecret` line before the value, and after that line the value sits under an
 * `encryptedData:` key line, or `encryptedData:` comes within 4000 characters before the value
 * (flow style). Only text before the value counts, so a stream decides as the whole text does
 * (it keeps such a document in its window: doc-keep.ts).
 */
function isEncryptedData(text: string, start: number): boolean {
  if (text.startsWith('ENC[', start)) return true;
  if (!mentionsSealedSecret(text)) return false;
  const doc = Math.max(text.lastIndexOf('\n---', start), 0);
  for (let k = text.lastIndexOf('kind:', start - 5); k >= doc; k = k > 0 ? text.lastIndexOf('kind:', k - 1) : -1) {
    // `^` under the m flag: the start, or after a line break.
    if (k > 0 && !isLineBreak(text.charCodeAt(k - 1))) continue;
    SEALED_KIND.lastIndex = k;
    if (!SEALED_KIND.test(text)) continue;
    const e = text.indexOf('encryptedData:', Math.max(k, start - 4000));
    return (e >= 0 && e + 'encryptedData:'.length <= start) || underEncryptedData(text, start, k);
  }
  return false;
}

/**
 * Whether the YAML key line that holds the value at `start` sits under an `encryptedData:`
 * key line (the nearest line above it, after `from`, that is indented less): so every entry
 * of a SealedSecret counts, however many long ciphertexts come before it.
 */
function underEncryptedData(text: string, start: number, from: number): boolean {
  const line = text.lastIndexOf('\n', start - 1) + 1;
  const indent = indentAt(text, line);
  for (let end = line - 1; end > from; ) {
    const ls = text.lastIndexOf('\n', end - 1) + 1;
    const ind = indentAt(text, ls);
    // Blank lines do not end a block.
    if (ls + ind < end && ind < indent) return text.startsWith('encryptedData:', ls + ind);
    end = ls - 1;
  }
  return false;
}

/** Spaces and tabs at the start of the line beginning at `at`. */
function indentAt(text: string, at: number): number {
  let i = at;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i - at;
}

/** The rest of a `kind: SealedSecret` line, tried (sticky, multiline `$`) where `kind:` starts a line. */
const SEALED_KIND = /kind:[ \t]*["']?SealedSecret["']?[ \t]*$/my;

let sealedText = '';
let sealedSays = false;

/** Whether the text mentions SealedSecret at all (remembered for the last text: a scan asks once per candidate). */
function mentionsSealedSecret(text: string): boolean {
  if (text !== sealedText) {
    sealedText = text;
    sealedSays = text.includes('SealedSecret');
  }
  return sealedSays;
}
