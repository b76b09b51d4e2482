/** The canonical JSON behind every record hash must never change its output. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../proxy/model/index.js';
import { chainRecord, recordHash } from '../../proxy/model/node.js';
import { interaction } from '../helpers/interactions.js';

/** The first, plain implementation: the definition the faster one must match byte for byte. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

/**
 * The implementation before the in-order path (sorted key list for JSON.stringify, plain
 * path otherwise), kept verbatim: the new one must write the same bytes wherever it is used.
 */
function previous(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const keys = new Set<string>();
  return previousCollect(value, keys) ? JSON.stringify(value, [...keys].sort()) : previousPlain(value);
}
function previousCollect(value: object, keys: Set<string>): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object' && !previousCollect(v as object, keys)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (k === '__proto__') return false;
    keys.add(k);
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && !previousCollect(v, keys)) return false;
  }
  return true;
}
function previousPlain(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined ? 'null' : previousPlain(v);
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + previousPlain(v);
  }
  return out + '}';
}

describe('canonicalJson', () => {
  const jsonLeaf = fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
  // Keys that stress the order check: integer-like ("9" before "10" in the serializer's walk, after it in code-unit order), __proto__, unicode.
  const key = fc.oneof(fc.string({ unit: 'binary' }), fc.nat(30).map(String), fc.constantFrom('__proto__', 'hash', 'a', 'b', 'é', '\u{1F600}', ''));
  const jsonValue = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, jsonLeaf, fc.array(tie('node')), fc.dictionary(key, tie('node'))),
  })).node;

  it('writes what the previous implementation wrote, on values already in canonical order (parsed from canonical text, as the server gets records)', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const parsed = JSON.parse(reference(v)) as unknown;
        expect(canonicalJson(parsed)).toBe(previous(parsed));
        expect(canonicalJson(parsed)).toBe(reference(parsed));
      }),
      { numRuns: 3000, seed: 15 },
    );
  });

  it('writes what the previous implementation wrote, on values in any key order, with undefined, functions and non-plain objects inside', () => {
    const odd = fc.oneof(fc.constant(undefined), fc.constant(() => 1), fc.constant(new Date(0)), fc.constant(Object.create(null) as object), fc.constant({ toJSON: () => 'x' }));
    const anyValue = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, jsonLeaf, odd, fc.array(tie('node')), fc.dictionary(key, tie('node'))),
    })).node;
    fc.assert(
      fc.property(anyValue, fc.boolean(), (v, reparse) => {
        // Half the runs: in canonical order but one value made odd, so the in-order check must refuse it late.
        // (The plain path writes a function inside a toJSON-bearing value as `undefined`, not JSON: such runs keep v as it is.)
        const ordered = (() => {
          try {
            return JSON.parse(previous(v)) as unknown;
          } catch {
            return null;
          }
        })();
        const x = reparse && ordered !== null && typeof ordered === 'object' ? { ...ordered, zz: v } : v;
        expect(canonicalJson(x)).toBe(previous(x));
      }),
      { numRuns: 3000, seed: 16 },
    );
  });

  it('writes what the previous implementation wrote on real records, as stored (canonical + hash) and as built (any order)', () => {
    const base = interaction({ prompt: 'Why does the parser fail? «ünïcode» \u{1F600}', response: 'Wrap it in a retry.'.repeat(5), toolCalls: [{ id: 't1', name: 'run', arguments: '{"cmd":"ls"}' }] as never });
    const unsigned = { ...base, id: 'r-1', v: 1, seq: 7, device: 'dev', user: 'u', messages: 'm'.repeat(64), prevHash: '0'.repeat(64) } as Record<string, unknown>;
    const { json } = chainRecord('0'.repeat(64), unsigned);
    const stored = JSON.parse(json) as Record<string, unknown>;
    const { hash: _hash, ...rest } = stored;
    expect(canonicalJson(rest)).toBe(previous(rest));
    expect(canonicalJson(rest)).toBe(JSON.stringify(rest)); // the in-order path
    expect(canonicalJson(stored)).toBe(previous(stored)); // hash last: not in order, the sorted path
    expect(canonicalJson(unsigned)).toBe(previous(unsigned));
    expect(recordHash('0'.repeat(64), stored)).toBe(stored.hash);
  });

  it('matches the reference definition on arbitrary values (unicode keys, undefined, nesting)', () => {
    const leaf = fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string({ unit: 'binary' }), tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the plain path where the serializer would differ: __proto__ keys, toJSON, non-plain objects', () => {
    const withProto = JSON.parse('{"b":{"__proto__":{"x":1},"a":2},"c":{"a":1}}') as unknown;
    expect(canonicalJson(withProto)).toBe(reference(withProto));
    const withDate = { when: new Date(0), a: 1 };
    expect(canonicalJson(withDate)).toBe(reference(withDate));
    class Box {
      constructor(readonly w: number) {}
    }
    Object.defineProperty(Box.prototype, 'h', { value: 3, enumerable: true });
    const boxes = { a: new Box(1), b: { h: 9, w: 2 } };
    expect(canonicalJson(boxes)).toBe(reference(boxes));
  });

  it('sorts keys and drops undefined values', () => {
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 'x' }], é: true, Z: null })).toBe('{"Z":null,"a":[null,{"c":"x"}],"b":1,"é":true}');
  });
});

describe('KeyFilter (the index key Bloom filter)', () => {
  it('never forgets a key, keeps tables apart, and rarely claims an absent key', async () => {
    const { KeyFilter } = await import('../../proxy/audit/bloom.js');
    const { hashKeys } = await import('../../proxy/audit/db.js');
    const { sha256Hex } = await import('../../proxy/model/node.js');
    const f = new KeyFilter();
    const added = Array.from({ length: 50_000 }, (_, i) => hashKeys(sha256Hex(`body ${i}`)));
    for (const [k, k2] of added) f.add('blobs', k, k2);
    expect(added.every(([k, k2]) => f.mightHave('blobs', k, k2))).toBe(true);
    const absent = Array.from({ length: 20_000 }, (_, i) => hashKeys(sha256Hex(`other ${i}`)));
    const falsePositives = absent.filter(([k, k2]) => f.mightHave('blobs', k, k2)).length;
    expect(falsePositives / absent.length).toBeLessThan(0.01);
    // The same keys under the other table are (almost all) unknown.
    expect(added.filter(([k, k2]) => f.mightHave('lists', k, k2)).length / added.length).toBeLessThan(0.01);
    expect(() => new KeyFilter(new Uint8Array(10))).toThrow(/wrong size/);
  });
});
