/**
 * The kind: Secret hold reads only the lines the stream lists (where "\n---", "\ndata:",
 * "\nstringData:" and "\nkind:" occur, found by the carried keyword scan) instead of every
 * line break. Held to the hook reading every line, and the stream to whole text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HoldMemo } from '../../proxy/masking/detector.js';
import { holdUntilKind, KIND_LINES } from '../../proxy/masking/detectors/yaml-doc.js';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';

/** Where KIND_LINES' words start in text[from, end) (case-insensitive, as the keyword automaton finds them), ascending. */
function listedLines(text: string, from: number): number[] {
  const lower = text.toLowerCase();
  const at: number[] = [];
  for (let i = Math.max(0, from); i < text.length; i++) if (KIND_LINES.some((w) => lower.startsWith(w.toLowerCase(), i))) at.push(i);
  return at;
}

describe('the kind: Secret hold reading only listed lines', () => {
  it('decides as the hook reading every line does, however the lines arrive and the window moves (property)', () => {
    const piece = fc.constantFrom('data:', 'Data:', 'stringData:', 'STRINGDATA:', '\n', '\r\n', 'kind: Secret', 'kind:', 'KIND: x', ' Secret', '---', '--- \n', '-', '  a: b', 'ata:', 'x'.repeat(70), 'd', 'k', 's', 'ata: ', ' ');
    const seen = { calls: 0, held: 0 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(piece, { minLength: 1, maxLength: 5 }), fc.nat()), { minLength: 1, maxLength: 30 }), (pushes) => {
        let whole = '';
        let base = 0;
        const plain: HoldMemo = { base: 0 };
        const listed: HoldMemo = { base: 0, lines: [] };
        for (const [parts, trim] of pushes) {
          // The stream lists each word once, from a scan of the new text that overlaps the old end.
          const old = whole.length;
          whole += parts.join('');
          const lines = listed.lines!;
          for (const p of listedLines(whole, old - 12)) if (lines.length === 0 || p > lines[lines.length - 1]!) lines.push(p);
          plain.base = listed.base = base;
          const h = holdUntilKind(whole.slice(base), 0, listed);
          expect(h).toBe(holdUntilKind(whole.slice(base), 0, plain));
          seen.calls++;
          if (h !== null) seen.held++;
          const lineStart = whole.lastIndexOf('\n') + 1;
          if (lineStart > base + 1) base += trim % (lineStart - base);
        }
      }),
      { numRuns: 2000, seed: 20261204 },
    );
    expect(seen.held).toBeGreaterThan(seen.calls / 50);
  });
});

describe('a stream holding a Secret data: block until its kind line', () => {
  const masker = new Masker({ key: Buffer.alloc(32, 7), cacheChars: 0 });
  const yaml = [
    'Some prose first, with a list:\n- one\n- two\n\n```yaml\n',
    'apiVersion: v1\ndata:\n  password: c3VwZXJzZWNyZXRwYXNzd29yZDEyMw==\n  token: ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4TWpNME5UWTNPRGt3SW4w\n',
    'kind: Secret\nmetadata:\n  name: db\n---\napiVersion: v1\nstringData:\n  api-key: sk_live_9f8e7d6c5b4a39281706fedcba\nkind: ConfigMap\n',
    '---\nkind: Secret\ndata:\n  user: YWRtaW5pc3RyYXRvcg==\n  pass: UGFzc3dvcmQxMjM0NTY3ODkw\n```\nand more prose after it.\n',
  ].join('');

  it('uses the listed lines (the stream finds them)', () => {
    const sm = new StreamingMasker(masker);
    sm.push(yaml);
    const memos = (sm as unknown as { memos: HoldMemo[] }).memos;
    expect(memos.some((m) => m.lines !== undefined)).toBe(true);
  });

  it('masks as whole text does, cut at every point and in pieces of 1–64 characters', () => {
    const whole = masker.mask(yaml).text;
    expect(whole).not.toBe(yaml);
    for (let cut = 1; cut < yaml.length; cut++) {
      const sm = new StreamingMasker(masker);
      expect(sm.push(yaml.slice(0, cut)) + sm.push(yaml.slice(cut)) + sm.flush(), `cut at ${cut}`).toBe(whole);
    }
    for (let n = 1; n <= 64; n++) {
      const sm = new StreamingMasker(masker);
      let out = '';
      for (let i = 0; i < yaml.length; i += n) out += sm.push(yaml.slice(i, i + n));
      expect(out + sm.flush(), `pieces of ${n}`).toBe(whole);
    }
  });
});
