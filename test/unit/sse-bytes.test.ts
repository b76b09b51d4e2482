/**
 * The SSE path's bytes: the parser reads all-ASCII chunks one character per byte and other
 * chunks with a streaming TextDecoder, and the adapter transform forwards a run of events
 * that passes untouched as its input bytes. Both must give exactly what one streaming
 * decoder over the whole stream gives, under any chunking: split multi-byte characters,
 * invalid bytes, a byte order mark at the start (dropped) or later (kept).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { adapterFor, SseAdapterTransform, SseParser } from '../../proxy/protocols/index.js';
import { splitAt, throughTransform } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

/** What one streaming decoder makes of the whole stream (the parser's reference). */
const decodeWhole = (bytes: Buffer) => new TextDecoder('utf-8', { fatal: false }).decode(bytes);

/** Pieces of a byte stream: ASCII text and line ends, multi-byte characters, invalid and truncated sequences, a BOM. */
const piece = fc.constantFrom(
  ...['data: {"a":1}', 'data: x', '\n', '\n\n', '\r\n', ': c\n', 'event: e\n', 'é', '€', '😀', '\uFEFF'].map((s) => Buffer.from(s, 'utf8')),
  Buffer.from([0xff]),
  Buffer.from([0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf0, 0x9f]),
  Buffer.from([0xc3]),
);
const stream = fc.array(piece, { minLength: 1, maxLength: 40 }).map((ps) => Buffer.concat(ps));

async function transform(chunks: Buffer[], withMasker: boolean) {
  return (await throughTransform('other', chunks, withMasker ? masker : null)).bytes;
}

describe('SSE bytes to text', () => {
  it('decodes as one streaming decoder over the whole stream does, under any chunking (property)', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 16 }), (bytes, cuts) => {
        const p = new SseParser();
        const got = splitAt(bytes, cuts).flatMap((c) => p.push(c));
        got.push(...p.end());
        expect(got.map((e) => e.raw).join('')).toBe(decodeWhole(bytes));
      }),
      { numRuns: 400, seed: 1309 },
    );
  });

  it('drops a byte order mark only at the start of the stream, also after an ASCII chunk', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const first = new SseParser();
    expect([...first.push(Buffer.concat([bom, Buffer.from('data: a\n\n')])), ...first.end()].map((e) => e.raw)).toEqual(['data: a\n\n']);
    const later = new SseParser();
    const evs = [...later.push(Buffer.from('data: a\n\n')), ...later.push(Buffer.concat([bom, Buffer.from('data: b\n\n')])), ...later.end()];
    expect(evs.map((e) => e.raw)).toEqual(['data: a\n\n', '\uFEFFdata: b\n\n']);
  });

  it('reads a chunk after a split character with the decoder, not one byte per character', () => {
    const p = new SseParser();
    const euro = Buffer.from('data: €\n\n', 'utf8');
    expect(p.push(euro.subarray(0, 7))).toEqual([]); // "data: " and the first byte of €
    expect(p.lastPushAscii).toBe(false);
    const evs = p.push(euro.subarray(7));
    expect(p.lastPushAscii).toBe(false); // the rest of € is not ASCII; nor may the next ASCII chunk be read alone before it
    expect(evs.map((e) => e.data)).toEqual(['€']);
    p.push(Buffer.from('data: x\n\n'));
    expect(p.lastPushAscii).toBe(true);
  });
});

describe('SSE adapter transform, bytes out', () => {
  it('forwards what the stream decodes to, byte for byte, under any chunking, masking on or off (property)', async () => {
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 16 }), fc.boolean(), async (bytes, cuts, on) => {
        const out = await transform(splitAt(bytes, cuts), on);
        expect(out.equals(Buffer.from(decodeWhole(bytes), 'utf8'))).toBe(true);
      }),
      { numRuns: 300, seed: 1310 },
    );
  });

  it('keeps clean runs byte-exact and masks a secret wherever the chunks fall, with non-ASCII events among them (property)', async () => {
    const clean = (i: number) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `tok${i} ${i % 3 === 0 ? 'é€😀' : 'x'.repeat(i * 5)}` } }], n: i })}\n\n`;
    const secret = `data: ${JSON.stringify({ note: 'key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' })}\n\n`;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 16 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 10 }), async (at, withSecret, cuts) => {
        const events = Array.from({ length: 16 }, (_, i) => clean(i));
        if (withSecret) events.splice(at, 0, secret);
        const body = Buffer.from(events.join(''), 'utf8');
        const oneByOne = await transform(events.map((e) => Buffer.from(e, 'utf8')), true);
        const out = await transform(splitAt(body, cuts), true);
        expect(out.equals(oneByOne)).toBe(true);
        expect(out.includes('A1b2C3d4E5f6')).toBe(false);
        if (!withSecret) expect(out.equals(body)).toBe(true);
      }),
      { numRuns: 120, seed: 1311 },
    );
  });

  it('sends a clean run of ASCII events as the input bytes themselves (no re-encoding)', async () => {
    const t = new SseAdapterTransform(adapterFor('other', { masker }));
    const out: Buffer[] = [];
    t.on('data', (d: Buffer) => out.push(d));
    const body = Buffer.from(Array.from({ length: 6 }, (_, i) => `data: {"n":${i}}\n\n`).join('') + 'data: {"n":');
    t.write(body);
    await new Promise((r) => setImmediate(r));
    expect(out).toHaveLength(1);
    expect(out[0]!.buffer).toBe(body.buffer); // a view of the input chunk
    expect(out[0]!.toString()).toBe(body.toString().slice(0, body.length - 'data: {"n":'.length));
    t.end(Buffer.from('6}\n\n'));
    await new Promise((r) => t.on('end', r));
    expect(Buffer.concat(out).equals(Buffer.concat([body, Buffer.from('6}\n\n')]))).toBe(true);
  });

  it('sends an event that comes alone and passes unchanged as its input bytes, and re-encodes one that is masked', async () => {
    const t = new SseAdapterTransform(adapterFor('other', { masker }));
    const out: Buffer[] = [];
    t.on('data', (d: Buffer) => out.push(d));
    // Not from Buffer's shared pool, where text encoded again would land too.
    const text = 'data: {"choices":[{"delta":{"content":"tok1 "}}],"n":1}\n\n';
    const clean = Buffer.alloc(text.length, text);
    const secret = Buffer.from(`data: ${JSON.stringify({ note: 'key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' })}\n\n`);
    t.write(clean);
    t.write(secret);
    t.write(clean.subarray(0, 10)); // half an event, then the rest: the completed event's bytes span two chunks
    t.write(clean.subarray(10));
    await new Promise((r) => setImmediate(r));
    expect(out).toHaveLength(3);
    expect(out[0]!.buffer).toBe(clean.buffer); // the chunk itself, not text encoded again
    expect(out[0]!.byteOffset).toBe(clean.byteOffset);
    expect(out[0]!.equals(clean)).toBe(true);
    expect(out[1]!.includes('A1b2C3d4E5f6')).toBe(false);
    expect(out[2]!.equals(clean)).toBe(true);
    t.end();
    await new Promise((r) => t.on('end', r));
  });
});
