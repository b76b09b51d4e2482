/** Heuristics for "does this value look like a real secret, not a placeholder or a reference". */

export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function charClasses(s: string): number {
  let n = 0;
  if (/[a-z]/.test(s)) n++;
  if (/[A-Z]/.test(s)) n++;
  if (/[0-9]/.test(s)) n++;
  if (/[^A-Za-z0-9]/.test(s)) n++;
  return n;
}

const PLACEHOLDER_WORDS =
  /example|your[_\- ]?|placeholder|(?:^|[^a-z])test(?:[^a-z]|$)|test[_-]?only|^pass(?:word)?\d*$|^password\d+|changeme|change[_-]me|dummy|fake|sample|redacted|filtered|masked:|replace[_-]?me|insert|<|>|\*{3}|x{6}|X{6}|todo|hunter2|lorem|ipsum|^test|test$|_test_|testpass|testing|mock|secret[_-]?here|key[_-]?here|token[_-]?here|^none$|^null$|^nil$|^undefined$|^true$|^false$|^password$|^secret$|^string$|^required$|^optional$|\.\.\./i;

const REFERENCE =
  /^(?:pk[._]|-|:|\$\{?|%[A-Za-z_]+%|\{\{|process\.env|os\.environ|os\.getenv|env\.|ENV\[|var\.|local\.|data\.|module\.|secrets\.|vault:|arn:|ref\+|@|!|&|\*|file:|config\.|settings\.|self\.|this\.|get[A-Z_]|System\.getenv|Environment\.|os\.Getenv|sha\d+[:-]|md5:|[a-z]+\(|\/)/;

/** True for values that are obviously not secrets: placeholders, variable references, low entropy. */
export function looksLikeRealSecret(value: string, opts: { minLength?: number; minEntropy?: number } = {}): boolean {
  const v = value.trim();
  if (v.length < (opts.minLength ?? 8)) return false;
  if (PLACEHOLDER_WORDS.test(v) || REFERENCE.test(v)) return false;
  if (/^(.)\1+$/.test(v)) return false;
  if (/^\d+(?:\.\d+)*$/.test(v) || /^v?\d+\.\d+\.\d+/.test(v)) return false; // numbers, versions
  if (/^[a-z]+(?:[-_ .][a-z]+)*$/.test(v) && v.length < 24) return false; // plain words
  if (/^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return false; // CamelCaseIdentifiers
  if (/^[A-Za-z]+(?:[._/-][A-Za-z]+)+$/.test(v)) return false; // dotted.identifiers, paths-ish words
  if (/^(?:https?|ftp|wss?):\/\//i.test(v)) return false; // URLs: the URL detectors judge those
  const classes = charClasses(v);
  const h = shannonEntropy(v);
  if (classes < 2 && !(v.length >= 20 && h >= 3.5)) return false;
  return h >= (opts.minEntropy ?? (v.length < 16 ? 2.8 : 3.0));
}
