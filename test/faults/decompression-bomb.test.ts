/**
 * Issue 20, resource exhaustion: a 1 MB gzip request body that inflated to 1 GiB drove the
 * engine to 2.2 GB RSS and a 500 (ERR_STRING_TOO_LONG). Decoding now stops at
 * limits.maxInspectedBodyBytes of decoded output, in both forms and for every encoding.
 * The engine under bombs (its own peak RSS) is in decompression-bomb.slow.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createDecoder, decodeBody } from '../../proxy/content-decoding.js';
import { bomb, BOMB_ENCODINGS } from './support/bombs.js';

const MiB = 1024 * 1024;
const CAP = 1 * MiB;
const BOMB = 64 * MiB;

describe('decoding stops at the cap, in the buffer and the stream form', () => {
  for (const enc of BOMB_ENCODINGS) {
    it(`${enc}: a bomb decoded whole is reported too large, not inflated`, async () => {
      const r = decodeBody(await bomb(enc, BOMB), enc, CAP);
      expect(r).toMatchObject({ ok: false, tooLarge: true, reason: `decoded body larger than ${CAP} bytes` });
    });

    it(`${enc}: a bomb decoded as a stream fails at the cap`, async () => {
      const d = createDecoder(enc, CAP);
      if (!d.ok || !d.stream) throw new Error('no decoder');
      let out = 0;
      const error = await new Promise<Error>((resolve) => {
        d.stream!.on('data', (c: Buffer) => (out += c.length));
        d.stream!.on('error', resolve);
        d.stream!.on('end', () => resolve(new Error('ended without error')));
        void bomb(enc, BOMB).then((b) => d.stream!.end(b));
      });
      expect(error.message).toBe(`decoded body larger than ${CAP} bytes`);
      expect(out).toBeLessThanOrEqual(CAP);
    });
  }
});
