/**
 * Whole-value masking of JSON documents: every string is masked, object keys included (a
 * tool call's arguments may carry a secret as a key); a string that is itself JSON
 * (tool-call arguments in a conversation history) is masked inside and re-encoded.
 * Returns the same object when nothing was found, so unchanged bodies stay byte-exact.
 */
import type { Finding, MaskResult } from '../masking/index.js';

/** What maskDeep needs of a masker (the request side passes one that also records for the round trip). */
export interface TextMasker {
  mask(text: string): MaskResult;
}

export interface DeepMaskResult<T> {
  value: T;
  findings: Array<{ type: string; path: string }>;
}

/**
 * `at`: where `value` sits in a larger document (keys and indexes), for a value masked on
 * its own that findings name by their path in the whole.
 */
export function maskDeep<T>(value: T, masker: TextMasker, skip?: (path: string, key: string) => boolean, at: Array<string | number> = []): DeepMaskResult<T> {
  const findings: DeepMaskResult<T>['findings'] = [];
  const keys = cleanKeysOf(masker);
  // Where the walk is: object keys and array indexes, joined into a path only for a finding
  // or a `skip` question (an agent request has thousands of strings and few findings).
  const pathNow = (): string => {
    let p = '';
    for (const seg of at) p = typeof seg === 'number' ? `${p}[${seg}]` : p ? `${p}.${seg}` : seg;
    return p;
  };
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v);
    if (Array.isArray(v)) {
      // A copy only from the first changed element on: an unchanged array costs no allocation.
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        at.push(i);
        const y = visit(x);
        at.pop();
        if (out) out.push(y);
        else if (y !== x) {
          out = v.slice(0, i);
          out.push(y);
        }
      }
      return out ?? v;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const names = Object.keys(o);
      let out: Record<string, unknown> | null = null;
      for (let i = 0; i < names.length; i++) {
        const k = names[i]!;
        const x = o[k];
        // A key is masked like any string; the path below it names the masked key, so no
        // finding's path carries the secret.
        const mk = maskKey(k);
        at.push(mk);
        const y = skip?.(pathNow(), mk) ? x : visit(x);
        at.pop();
        if (out) put(out, mk, y);
        else if (y !== x || mk !== k) {
          out = {};
          for (let j = 0; j < i; j++) put(out, names[j]!, o[names[j]!]);
          put(out, mk, y);
        }
      }
      return out ?? v;
    }
    return v;
  };
  const maskKey = (k: string): string => {
    if (keys.has(k)) return k;
    const r = masker.mask(k);
    if (r.findings.length === 0) {
      if (keys.size < MAX_CLEAN_KEYS) keys.add(k);
      return k;
    }
    const path = pathNow();
    for (const f of r.findings as Finding[]) findings.push({ type: f.type, path: path ? `${path}.{key}` : '{key}' });
    return r.text;
  };
  const maskString = (s: string): string => {
    if (s.length > 2 && startsLikeJson(s)) {
      try {
        const parsed: unknown = JSON.parse(s);
        const inner = maskDeep(parsed, masker, skip);
        if (inner.value === parsed) return s;
        const path = pathNow();
        for (const f of inner.findings) findings.push({ type: f.type, path: `${path}→${f.path}` });
        return JSON.stringify(inner.value);
      } catch {
        // not JSON after all: mask as text
      }
    }
    const r = masker.mask(s);
    if (r.findings.length === 0) return s;
    const path = pathNow();
    for (const f of r.findings as Finding[]) findings.push({ type: f.type, path });
    return r.text;
  };
  return { value: visit(value) as T, findings };
}

/**
 * Keys found clean, per masker: a document repeats the same few keys thousands of times
 * ("role", "content"), and a key clean for a masker stays clean for it. Bounded; a masker
 * that is a request's recording view of the engine's masker has its own (short-lived) set.
 */
const cleanKeys = new WeakMap<TextMasker, Set<string>>();
const MAX_CLEAN_KEYS = 4096;
function cleanKeysOf(masker: TextMasker): Set<string> {
  let s = cleanKeys.get(masker);
  if (!s) cleanKeys.set(masker, (s = new Set()));
  return s;
}

/**
 * Sets an own property as JSON.parse makes them: a key named "__proto__" stays a key (a
 * plain assignment would set the copy's prototype instead, and the key would vanish from
 * the masked body).
 */
function put(o: Record<string, unknown>, k: string, v: unknown) {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** Whether the first character after leading whitespace (as String.prototype.trimStart skips it) is `{` or `[`. */
function startsLikeJson(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c === 123 || c === 91) return true;
  if (c > 32 && c !== 160 && c < 0x1680) return false; // not whitespace: the common case, no copy
  const t = s.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}
