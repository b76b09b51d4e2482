/**
 * YAML-document context in a stream (doc-keep.ts). kubernetes-secret masks a value under
 * data:/stringData: of a document with a `kind: Secret` line; the generic detectors leave a
 * value under a SealedSecret's encryptedData alone. Both read the value's document from its
 * start, and a stream keeps only a window of recent text: once such a document outgrew the
 * window, a stream lost its kind line. Then a Secret's later values went out unmasked (a leak)
 * and a SealedSecret's later ciphertexts were masked. Now the stream keeps such a document
 * whole (up to MAX_DOC_KEEP), and streamed output is whole-text output again. Without the
 * keep (`keepFrom` returning its argument) the fixed cases and the property fail (tried).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { DocKeep, MAX_DOC_KEEP } from '../../proxy/masking/doc-keep.js';
import { streamMasked } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

/** A deterministic base64-ish value of n characters (seeded: the same every run). */
function value(n: number, seed: number): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += A[(s >>> 16) & 63];
  }
  return out;
}

/** n `name: value` lines; SealedSecret ones under names the generic detectors read as secret names. */
const entries = (n: number, len: number, prefix = '') => Array.from({ length: n }, (_, i) => (prefix ? `    app${i}_password: ` : `  key${i}: `) + prefix + value(len, i + 1)).join('\n');
const secretDoc = (n: number) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n${entries(n, 200)}\n`;
const sealedDoc = (n: number) => `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: app\nspec:\n  encryptedData:\n${entries(n, 300, 'AgB')}\n`;
const SIZES = [[1], [7], [64], [1024], [3, 50, 1]];

describe('YAML documents longer than the stream window', () => {
  it('a Secret whose kind line comes first: every data value masked, streamed as whole', () => {
    const text = secretDoc(30);
    const whole = masker.mask(text);
    expect(whole.findings.filter((f) => f.type === 'kubernetes-secret')).toHaveLength(30);
    for (const sizes of SIZES) expect(streamMasked(masker, text, sizes)).toBe(whole.text);
  });

  it('a SealedSecret with many entries: no ciphertext masked, streamed as whole', () => {
    const text = `Here is the file:\n\n${sealedDoc(20)}`; // ~6.5 KB: over the window, and past 4000 characters after encryptedData:
    const whole = masker.mask(text);
    expect(whole.findings).toHaveLength(0);
    for (const sizes of SIZES) expect(streamMasked(masker, text, sizes)).toBe(whole.text);
  });

  it('a SealedSecret value outside encryptedData (its template) is judged as any other, however far down', () => {
    const text = `${sealedDoc(16)}  template:\n    data:\n      db_password: ${value(40, 77)}\n`;
    const whole = masker.mask(text);
    expect(whole.findings.map((f) => f.type)).toEqual(['generic-secret']);
    for (const sizes of SIZES) expect(streamMasked(masker, text, sizes)).toBe(whole.text);
  });

  it('a document after the Secret is trimmed again, and its own values decided on its own kind', () => {
    const text = `${secretDoc(12)}---\napiVersion: v1\nkind: ConfigMap\ndata:\n${entries(12, 200)}\n---\n${sealedDoc(6)}`;
    const whole = masker.mask(text);
    expect(whole.findings.filter((f) => f.type === 'kubernetes-secret')).toHaveLength(12);
    for (const sizes of SIZES) expect(streamMasked(masker, text, sizes)).toBe(whole.text);
  });

  it('encryptedData before the kind line does not count (only text before the value decides)', () => {
    const text = `apiVersion: bitnami.com/v1alpha1\nspec:\n  encryptedData:\n    api-key: AgB${value(300, 9)}\nkind: SealedSecret\n`;
    const whole = masker.mask(text);
    expect(whole.findings.length).toBeGreaterThan(0);
    for (const sizes of SIZES) expect(streamMasked(masker, text, sizes)).toBe(whole.text);
  });

  it('any mix of Secret, SealedSecret and other documents, any chunking: streamed = whole', () => {
    const doc = fc.tuple(fc.constantFrom('Secret', 'SealedSecret', 'ConfigMap', '"Secret"'), fc.integer({ min: 1, max: 14 }), fc.integer({ min: 20, max: 400 }), fc.nat(1000), fc.boolean()).map(([kind, n, len, seed, kindFirst]) => {
      const head = kind === 'SealedSecret' ? 'spec:\n  encryptedData:' : 'data:';
      const body = Array.from({ length: n }, (_, i) => `${kind === 'SealedSecret' ? '    ' : '  '}k${i}_token: ${kind === 'SealedSecret' ? 'AgB' : ''}${value(len, seed + i)}`).join('\n');
      return kindFirst ? `apiVersion: v1\nkind: ${kind}\n${head}\n${body}\n` : `apiVersion: v1\n${head}\n${body}\nkind: ${kind}\n`;
    });
    const chunks = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(doc, { minLength: 1, maxLength: 4 }), chunks, (docs, sizes) => {
        const text = docs.join('---\n');
        expect(streamMasked(masker, text, sizes)).toBe(masker.mask(text).text);
      }),
      { seed: 1804, numRuns: 60 },
    );
  });
});

describe('DocKeep', () => {
  it('keeps from the document start once a kind line lies before the trim point, read across pushes', () => {
    const k = new DocKeep();
    const text = `intro\n---\nkind: Sec` + 'x'.repeat(10);
    k.read(text.slice(0, 8), 0); // the separator split: "\n--" then "-"
    k.read(text.slice(0, 17), 0); // "kind: Sec": not yet told
    expect(k.keepFrom(12, 17)).toBe(12);
    const full = `intro\n---\nkind: Secret\n` + 'x'.repeat(100);
    k.read(full, 0);
    expect(k.keepFrom(40, full.length)).toBe(5); // the "\n---" at 5
  });

  it('a new document ends the keep; a document longer than MAX_DOC_KEEP is trimmed as usual', () => {
    const k = new DocKeep();
    const a = `kind: 'SealedSecret'\n` + 'x'.repeat(100) + '\n---\n' + 'y'.repeat(100);
    k.read(a, 0);
    expect(k.keepFrom(50, a.length)).toBe(0);
    expect(k.keepFrom(a.length - 10, a.length)).toBe(a.length - 10);
    const b = new DocKeep();
    const long = 'kind: Secret\n' + 'z'.repeat(MAX_DOC_KEEP + 10);
    b.read(long, 0);
    expect(b.keepFrom(1000, 2000)).toBe(0);
    expect(b.keepFrom(long.length - 1000, long.length)).toBe(long.length - 1000);
  });

  it('ignores kind lines that name another kind', () => {
    const k = new DocKeep();
    const t = 'kind: ConfigMap\nkind: SecretStore2\n' + 'x'.repeat(50);
    k.read(t, 0);
    // "SecretStore2" begins with Secret: kept (a superset is safe: keeping more never changes a decision).
    expect(k.keepFrom(40, t.length)).toBe(0);
    const c = new DocKeep();
    const u = 'kind: ConfigMap\n' + 'x'.repeat(50);
    c.read(u, 0);
    expect(c.keepFrom(30, u.length)).toBe(30);
  });
});
