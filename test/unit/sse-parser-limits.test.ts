/**
 * The SSE parser's size limit holds under any chunking: an event longer than the limit is
 * never handed out parsed, whether it arrives whole or is completed by a later chunk, and
 * the raw texts of what is handed out always rebuild the stream byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../proxy/protocols/sse.js';
import { splitAt } from '../helpers/streams.js';

const MAX = 40;
const line = fc.string({ unit: fc.constantFrom('a', 'b', '{', '"', ' ', ':'), maxLength: 30 });
const eventArb = fc.record({ lines: fc.array(line, { minLength: 1, maxLength: 3 }), eol: fc.constantFrom('\n', '\n', '\n', '\r\n') });
const encode = (e: { lines: string[]; eol: string }) => e.lines.map((l) => `data: ${l}${e.eol}`).join('') + e.eol;

describe('SSE parser size limit', () => {
  it('never hands out a parsed event longer than its limit, under any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 16 }), (events, cuts) => {
        const text = events.map(encode).join('');
        const p = new SseParser(MAX);
        const got = splitAt(Buffer.from(text), cuts).flatMap((c) => p.push(c));
        got.push(...p.end());
        expect(got.map((e) => e.raw).join('')).toBe(text);
        for (const e of got) if (!e.oversize) expect(e.raw.length).toBeLessThanOrEqual(MAX);
        // Events within the limit, not following an oversize one's pieces, are parsed as written.
        const small = events.map(encode).filter((raw) => raw.length <= MAX);
        for (const e of got.filter((g) => !g.oversize)) expect(small).toContain(e.raw);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('an event completed by the next chunk past the limit passes unparsed', () => {
    const p = new SseParser(MAX);
    const big = `data: ${'a'.repeat(50)}\n\n`;
    const out = [...p.push(Buffer.from(big.slice(0, 20))), ...p.push(Buffer.from(big.slice(20) + 'data: b\n\n'))];
    expect(out.map((e) => e.raw).join('')).toBe(big + 'data: b\n\n');
    expect(out.filter((e) => e.oversize).map((e) => e.raw).join('')).toBe(big);
    expect(out.at(-1)!.data).toBe('b');
    expect(out.at(-1)!.oversize).toBeUndefined();
  });
});
