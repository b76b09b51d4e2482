/**
 * Credentials recognised by their surroundings: Authorization headers, passwords in URLs
 * and connection strings, .npmrc auth, Docker config auths, Kubernetes Secret data.
 */
import type { Detector } from '../detector.js';
import { looksLikeRealSecret } from '../entropy.js';
import { contextual } from './build.js';
import { holdUntilKind, KIND_LINES } from './yaml-doc.js';

const notPlaceholderCred = (s: string) =>
  s.length >= 3 &&
  !/^(?:password|passwd|pass|pwd|secret|changeme|xxx+|\*+|<[^>]*>|\$\{?[A-Za-z_]+\}?|%[A-Za-z_]+%|\{\{.*\}\}|PASSWORD|USER(?:NAME)?|your[_-]?password|admin|root|guest|test|example)$/i.test(s) &&
  !/^\$\(|^\$\{|^\{\{|^\[[^\]]*\]$|redacted|masked|filtered|\*{3}/i.test(s);


export const authDetectors: Detector[] = [
  contextual({
    id: 'bearer-token',
    description: 'Authorization: Bearer / token credentials',
    pattern: /(?:\b(?:Bearer|token)\s{1,64})(?<secret>[A-Za-z0-9_\-.~+/]{16,2000}=*)(?![A-Za-z0-9_\-.~+/=])/dg,
    keywords: ['bearer', 'token'],
    tail: /\b(?:Bearer|token)\s*[A-Za-z0-9_\-.~+/]*$/,
    priority: 35,
    validate: (s) => looksLikeRealSecret(s, { minLength: 16 }),
  }),
  contextual({
    id: 'basic-auth',
    description: 'Authorization: Basic credentials (base64 of user:password)',
    pattern: /\bBasic\s{1,64}(?<secret>[A-Za-z0-9+/]{8,1000}={0,2})(?![A-Za-z0-9+/=])/dg,
    keywords: ['basic'],
    tail: /\bBasic\s*[A-Za-z0-9+/=]*$/,
    priority: 45,
    validate: (s) => {
      try {
        const decoded = Buffer.from(s, 'base64').toString('utf8');
        return /^[^:\s]{1,200}:.{1,}$/s.test(decoded) && !/^[^:]*:(?:password|pass|secret|changeme)?$/i.test(decoded);
      } catch {
        return false;
      }
    },
  }),
  contextual({
    id: 'url-password',
    description: 'Password in a URL (scheme://user:password@host), any scheme',
    // The user and password characters are written (?![…])\S, not [^\s…]: V8 checks a class of
    // \s and eight more characters (18 ranges) by a C++ call per character in a two-byte
    // string (most prose with a curly quote or an emoji is one), but \S and a small ASCII class
    // inline; the two forms accept the same code units (test/unit/masking-url-classes.test.ts).
    pattern: /:\/\/(?<=\b[a-z][a-z0-9+.\-]{1,20}:\/\/)(?:(?![:@/?#"'`<>])\S){0,200}:(?<secret>(?:(?![@/?#"'`<>])\S){1,300})@(?:[A-Za-z0-9.\-_[\]:]|(?![\s\S]))/dgi,
    keywords: ['://'],
    // Starts at the colon, the scheme checked by a look-behind: a leading `\b[a-z]…` is tried
    // at every position of the searched region, which cost a tenth of a 64-character push of
    // prose. Holding from the colon is enough: the scheme is never part of the secret, and the
    // next search starts a reach before the colon, so the pattern's look-behind still sees it.
    tail: /:(?<=\b[a-z][a-z0-9+.\-]{1,20}:)(?:\/(?:\/(?:(?![/@?#"'`<>])\S)*)?)?$/i,
    unbroken: true,
    priority: 50,
    validate: notPlaceholderCred,
  }),
  contextual({
    id: 'connection-string-password',
    description: 'Password in an ADO.NET/JDBC/ODBC-style connection string (Password=…;)',
    pattern: /(?:Password|Pwd|PWD|password|pwd|passwd)=(?<=(?:^|[;"'])[ \t]{0,64}(?:Password|Pwd|PWD|password|pwd|passwd)=)(?<secret>[^;"'\s]{1,300})(?=;|"|'|\s|$)/dgm,
    keywords: ['password', 'pwd'],
    tail: /(?:Password|Pwd|passwd)\s*=\s*[^;"'\s]*$/i,
    priority: 45,
    validate: (s) => notPlaceholderCred(s) && looksLikeRealSecret(s, { minLength: 6, minEntropy: 2.5 }),
  }),
  contextual({
    id: 'url-query-secret',
    description: 'Secret-named URL query parameter (?api_key=…, &client_secret=…, &appid=…)',
    pattern: /[?&](?:api[_\-]?key|apikey|appid|app_key|access_token|auth_token|token|client_secret|secret|password|pwd|passwd|private_token|key)=(?<secret>[^&\s"'#<>]{8,500})/dgi,
    keywords: ['='],
    tail: /[?&](?:api[_\-]?key|apikey|appid|app_key|access_token|auth_token|token|client_secret|secret|password|pwd|passwd|private_token|key)=?[^&\s"'#<>]*$/i,
    priority: 40,
    validate: (s) => looksLikeRealSecret(s),
  }),
  contextual({
    id: 'cli-secret-flag',
    description: 'Secret given on a command line (--password X, --account-key X, -p\'X\' for mysql, curl -u user:pass)',
    pattern:
      /(?:--(?:password|passwd|account-key|api-key|apikey|access-key|secret-key|secret|client-secret|token|auth-token|private-key-password|registry-password|db-password)(?:=|[ \t]{1,64})|\bmysql(?:dump|admin)?\b[^\n]{0,200}?[ \t]-p|\bIDENTIFIED BY[ \t]{1,64}|(?:\bcurl\b[^\n]{0,300}?[ \t])(?:-u|--user)[ \t]{1,64}["']?[^\s:"']{1,100}:)(?:"(?<s1>[^"\n]{4,300})(?:"|(?![\s\S]))|'(?<s2>[^'\n]{4,300})(?:'|(?![\s\S]))|(?<s4>[^\s"'\\]{4,300}))/dgi,
    keywords: ['--', 'mysql', 'identified by', 'curl'],
    reach: 512,
    tail: /(?:--(?:password|passwd|account-key|api-key|apikey|access-key|secret-key|secret|client-secret|token|auth-token)(?:=|[ \t]+)|[ \t]-p|IDENTIFIED BY[ \t]+|(?:-u|--user)[ \t]+["']?[^\s:"']{1,100}:)["']?[^\s"']*$/i,
    priority: 40,
    validate: (s) => notPlaceholderCred(s) && looksLikeRealSecret(s, { minLength: 6, minEntropy: 2.5 }),
  }),
  contextual({
    id: 'npmrc-auth',
    description: '.npmrc _authToken / _auth / _password',
    pattern: /:(?:_authToken|_auth|_password)\s{0,64}=\s{0,64}["']?(?<secret>[^\s"'$][^\s"']{7,500})/dg,
    keywords: ['_authtoken', '_auth', '_password'],
    tail: /:_(?:a(?:u(?:t(?:h(?:T(?:o(?:k(?:e(?:n)?)?)?)?)?)?)?)?|p(?:a(?:s(?:s(?:w(?:o(?:r(?:d)?)?)?)?)?)?)?)?(?:\s*=\s*["']?[^\s"']*)?$/,
    priority: 55,
    validate: (s) => !/^\$\{/.test(s),
  }),
  contextual({
    id: 'docker-config-auth',
    description: 'Docker config.json "auth" (base64 of user:password) and identitytoken',
    pattern: /"(?:auth|identitytoken|registrytoken)"\s{0,64}:\s{0,64}"(?<secret>[A-Za-z0-9+/=_\-.]{8,4000})(?:"|(?![\s\S]))/dg,
    keywords: ['"auth"', '"identitytoken"', '"registrytoken"'],
    tail: /"(?:auth|identitytoken|registrytoken)"\s*:?\s*"?[A-Za-z0-9+/=_\-.]*$/,
    priority: 50,
    validate: (s) => s.length >= 12,
  }),
  {
    id: 'kubernetes-secret',
    description: 'Kubernetes Secret data/stringData values (YAML)',
    // Values of `data:` / `stringData:` entries in a document that declares `kind: Secret`.
    pattern: /^(?<indent>[ \t]{1,64})(?<key>[A-Za-z0-9_.\-]{1,253}):[ \t]{1,64}["']?(?<secret>[A-Za-z0-9+/=_\-.!@#$%^&*~]{4,20000})["']?[ \t]*$/dgm,
    // Every candidate is a "key: value" line; whether the document is a Secret is checked by
    // validate() on the whole text, so the prefilter only needs the ": " inside the match.
    keywords: [': '],
    // At the very end of the text: `$` would match at every line end under the m flag.
    tail: /^[ \t]+[A-Za-z0-9_.\-]{1,253}:[ \t]*["']?[A-Za-z0-9+/=_\-.!@#$%^&*~]*(?![\s\S])/m,
    priority: 45,
    applies: (text) => declaresSecretKind(text),
    validate: (s, ctx) => isInKubernetesSecretData(ctx.text, ctx.start) && s.length >= 4,
    // `kind: Secret` often comes after `data:` (kubectl sorts keys): until the document's
    // kind is known, values under data:/stringData: are held.
    hold: holdUntilKind,
    holdLines: KIND_LINES,
  },
];

/** True when `pos` is inside a data:/stringData: block of a YAML document with kind: Secret. */
function isInKubernetesSecretData(text: string, pos: number): boolean {
  if (!declaresSecretKind(text)) return false;
  const docStart = Math.max(text.lastIndexOf('\n---', pos), 0);
  let docEnd = text.indexOf('\n---', pos);
  if (docEnd < 0) docEnd = text.length;
  const doc = text.slice(docStart, docEnd);
  if (!/^kind:[ \t]*["']?Secret["']?[ \t]*$/m.test(doc)) return false;
  // Walk back to the nearest top-level key above this line.
  const before = text.slice(docStart, pos);
  const lines = before.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^([A-Za-z][A-Za-z0-9]*):/.exec(lines[i]!);
    if (m) return m[1] === 'data' || m[1] === 'stringData';
  }
  return false;
}

let lastText = '';
let lastDeclares = false;

/** Whether any document in the text says `kind: Secret` (remembered for the last text: a scan asks once per candidate line). */
function declaresSecretKind(text: string): boolean {
  if (text !== lastText) {
    lastText = text;
    lastDeclares = hasSecretKindLine(text);
  }
  return lastDeclares;
}

/** The rest of a `kind: Secret` line, tried (sticky, multiline `$`) where `kind:` starts a line. */
const SECRET_KIND = /kind:[ \t]*["']?Secret["']?[ \t]*$/my;

/**
 * /^kind:[ \t]*["']?Secret["']?[ \t]*$/m.test(text), tried only where `kind:` occurs: the
 * multiline regex is tried at every position of the text, which cost a twentieth of
 * whole-text masking on source code (a test holds the two equal).
 */
export function hasSecretKindLine(text: string): boolean {
  for (let i = text.indexOf('kind:'); i >= 0; i = text.indexOf('kind:', i + 5)) {
    const before = i === 0 ? 10 : text.charCodeAt(i - 1);
    // `^` under the m flag: the start, or after \n, \r, U+2028, U+2029.
    if (before !== 10 && before !== 13 && before !== 0x2028 && before !== 0x2029) continue;
    SECRET_KIND.lastIndex = i;
    if (SECRET_KIND.test(text)) return true;
  }
  return false;
}
