import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDecoder, decodeBody } from '../../proxy/content-decoding.js';

const text = 'data: {"choices":[{"delta":{"content":"hello"}}]}\n\n'.repeat(50);
const encoders: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  deflate: (b) => zlib.deflateSync(b),
  zstd: (b) => execFileSync('zstd', ['-c', '-q'], { input: b }),
};

async function viaStream(body: Buffer, header: string): Promise<string> {
  const d = createDecoder(header);
  if (!d.ok) throw new Error(d.reason);
  if (!d.stream) return body.toString('utf8');
  const chunks: Buffer[] = [];
  // Fed in small pieces: the stream form must not need the whole body at once.
  const pieces = Array.from({ length: Math.ceil(body.length / 7) }, (_, i) => body.subarray(i * 7, i * 7 + 7));
  for await (const c of Readable.from(pieces).pipe(d.stream)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('content decoding (one list of encodings, buffer and stream forms)', () => {
  for (const [enc, encode] of Object.entries(encoders)) {
    it(`decodes ${enc} the same way whole and as a stream`, async () => {
      const body = encode(Buffer.from(text));
      const whole = decodeBody(body, enc);
      expect(whole.ok && whole.body.toString('utf8')).toBe(text);
      expect(await viaStream(body, enc)).toBe(text);
    });
  }

  it('decodes raw deflate and stacked encodings in the order they were applied', async () => {
    const raw = zlib.deflateRawSync(Buffer.from(text));
    expect(decodeBody(raw, 'deflate')).toMatchObject({ ok: true });
    expect(await viaStream(raw, 'deflate')).toBe(text);
    const stacked = zlib.brotliCompressSync(zlib.gzipSync(Buffer.from(text)));
    const whole = decodeBody(stacked, 'gzip, br');
    expect(whole.ok && whole.body.toString('utf8')).toBe(text);
    expect(await viaStream(stacked, 'gzip, br')).toBe(text);
  });

  it('reports an encoding it cannot read, including names of Object.prototype members', () => {
    for (const enc of ['compress', 'constructor', '__proto__']) {
      expect(createDecoder(enc)).toMatchObject({ ok: false, reason: `content-encoding "${enc}" is not supported` });
      expect(decodeBody(Buffer.from('x'), enc)).toMatchObject({ ok: false, reason: `content-encoding "${enc}" is not supported` });
    }
    expect(createDecoder('identity')).toMatchObject({ ok: true, stream: null });
    // No header (most responses) or an empty one: nothing to decode.
    for (const none of [undefined, '', [] as string[]]) {
      expect(createDecoder(none)).toMatchObject({ ok: true, stream: null, encodings: [] });
      expect(decodeBody(Buffer.from('x'), none)).toMatchObject({ ok: true, encoded: false });
    }
    expect(createDecoder(' gzip')).toMatchObject({ ok: true, encodings: ['gzip'] });
  });
});
