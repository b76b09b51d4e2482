/** The canonical JSON behind every record hash must never change its output. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../proxy/model/index.js';

/** The first, plain implementation: the definition the faster one must match byte for byte. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson', () => {
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
