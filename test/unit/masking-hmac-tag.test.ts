import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacTag } from '../../proxy/masking/hmac-tag.js';

const hmac4 = (key: Buffer, secret: string) => createHmac('sha256', key).update(secret).digest('hex').slice(0, 4);

// Lengths in UTF-8 bytes around SHA-256's padding boundaries (the inner message follows the
// 64-byte ipad block: one block up to 55 bytes, two from 56, three from 120), and a few KB.
const BYTE_LENGTHS = [0, 1, 2, 31, 32, 54, 55, 56, 57, 62, 63, 64, 65, 118, 119, 120, 121, 127, 128, 129, 183, 184, 1000, 4096, 4097, 9000];
// Units of 1, 2, 3 and 4 UTF-8 bytes; a lone surrogate is written as U+FFFD (3 bytes), as Buffer.write and createHmac both do.
const UNITS = ['a', 'é', '中', '😀', '\ud800', '\udfff'];
const KEY_LENGTHS = [0, 1, 32, 64, 65, 200];

/** A string of `bytes` UTF-8 bytes: `unit` repeated, topped up with ASCII. */
function ofBytes(unit: string, bytes: number): string {
  const per = Buffer.byteLength(unit, 'utf8');
  return unit.repeat(Math.floor(bytes / per)) + 'x'.repeat(bytes % per);
}

describe('placeholder tags (WebAssembly HMAC-SHA-256)', () => {
  it('equal createHmac for keys of 0–200 bytes and secrets at every block boundary', () => {
    for (const keyLength of KEY_LENGTHS) {
      const key = randomBytes(keyLength);
      const tags = new HmacTag(key);
      for (const unit of UNITS) {
        for (const bytes of BYTE_LENGTHS) {
          const secret = ofBytes(unit, bytes);
          expect(tags.of(secret), `key ${keyLength} bytes, ${bytes} bytes of ${JSON.stringify(unit)}`).toBe(hmac4(key, secret));
        }
      }
    }
  });

  it('equal createHmac for every secret length from 0 to 200 units, shorter after longer', () => {
    const key = randomBytes(32);
    const tags = new HmacTag(key);
    for (const unit of UNITS) {
      for (let n = 200; n >= 0; n--) expect(tags.of(unit.repeat(n)), `${n} × ${JSON.stringify(unit)}`).toBe(hmac4(key, unit.repeat(n)));
    }
  });

  it('equal createHmac for any string and key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 130 }), fc.string({ unit: 'binary', maxLength: 300 }), (key, secret) => {
        const k = Buffer.from(key);
        expect(new HmacTag(k).of(secret)).toBe(hmac4(k, secret));
      }),
      { numRuns: 300 },
    );
  });

  it("switch to node's hash past 375 units (and for secrets longer than the module's memory) with the same tags", () => {
    const key = randomBytes(32);
    const tags = new HmacTag(key);
    for (const secret of ['k'.repeat(375), 'k'.repeat(376), '中'.repeat(375), '中'.repeat(376), '😀'.repeat(187) + 'x', 'k'.repeat(21_800), '中'.repeat(30_000), 'é😀'.repeat(12_000), 'short', '']) {
      expect(tags.of(secret)).toBe(hmac4(key, secret));
    }
  });

  it("are the same with node's hash alone (where WebAssembly is not available)", () => {
    for (const keyLength of KEY_LENGTHS) {
      const key = randomBytes(keyLength);
      const node = new HmacTag(key, false);
      for (const secret of ['', 'sk_live_abc', ofBytes('中', 119), ofBytes('😀', 4096), 'x'.repeat(30_000), 'short again']) {
        expect(node.of(secret)).toBe(hmac4(key, secret));
      }
    }
  });
});
