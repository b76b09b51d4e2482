/**
 * Canonical JSON (sorted keys, no whitespace): the text the audit hash chain and the
 * approval argument hash are computed over. Pure, no imports: the engine, the central
 * server and the UI must produce the same bytes for the same value.
 */

/**
 * Canonical JSON: keys sorted (code-unit order) at every level, undefined values left out,
 * no whitespace. Made by the engine's own serializer: a value whose objects already hold
 * their keys in that order (a record parsed from its canonical text: what the central server
 * checks) is written as it is; otherwise, given the sorted list of every key in the value,
 * JSON.stringify writes each object's keys in that order and skips absent ones. (A value
 * with a `__proto__` key, a toJSON method or an object that is not plain takes the plain
 * path: there the list could read an inherited property, or the serializer would call the
 * method.)
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  const keys = new Set<string>();
  return collectKeys(value, keys) ? JSON.stringify(value, [...keys].sort()) : canonicalPlain(value);
}

/**
 * True when JSON.stringify alone writes `value` canonically: every object plain (no toJSON,
 * no `__proto__` key) with its own keys in strictly ascending code-unit order (the order
 * the serializer walks them in, integer-like keys first, so `{"9":…,"10":…}` is not), and
 * nothing inside but objects, arrays, strings, numbers, booleans and null (no undefined,
 * function, symbol or bigint: those take the other paths, whose output is the definition).
 * Reads each key once and builds nothing: ~4× cheaper than collecting and sorting the keys.
 */
function inCanonicalOrder(value: object): boolean {
  if (Array.isArray(value)) {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') continue;
      if (typeof v !== 'object' || !inCanonicalOrder(v)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  let prev = '';
  let first = true;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (k === '__proto__' || (!first && !(prev < k))) return false;
    first = false;
    prev = k;
    const v = (value as Record<string, unknown>)[k];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') continue;
    if (typeof v !== 'object' || !inCanonicalOrder(v)) return false;
  }
  return true;
}

/** Adds every object key in `value` to `keys`; false when the fast path cannot be used. */
function collectKeys(value: object, keys: Set<string>): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object' && !collectKeys(v as object, keys)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (k === '__proto__') return false;
    keys.add(k);
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && !collectKeys(v, keys)) return false;
  }
  return true;
}

function canonicalPlain(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined ? 'null' : canonicalPlain(v);
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + canonicalPlain(v);
  }
  return out + '}';
}

/**
 * The functions that make canonical JSON, for code that runs them from source where this
 * module cannot be imported (the audit store's sealing worker is started from text).
 */
export const CANONICAL_JSON_FUNCTIONS: readonly ((...args: never[]) => unknown)[] = [canonicalJson, inCanonicalOrder, collectKeys, canonicalPlain];
