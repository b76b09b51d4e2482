/**
 * Decompression bombs: `size` bytes of zeros in each Content-Encoding Witness reads, made
 * as a stream so that the test process never holds the inflated bytes itself.
 */
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

export const BOMB_ENCODINGS = ['gzip', 'deflate', 'br', 'zstd'] as const;
export type BombEncoding = (typeof BOMB_ENCODINGS)[number];

const cache = new Map<string, Buffer>();

export async function bomb(encoding: BombEncoding, size: number, prefix = ''): Promise<Buffer> {
  const key = `${encoding}:${size}:${prefix}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let out: Buffer;
  if (encoding === 'zstd') {
    out = execFileSync('sh', ['-c', `{ printf '%s' "$PREFIX"; head -c ${size} /dev/zero; } | zstd -c -q -3`], { env: { ...process.env, PREFIX: prefix }, maxBuffer: 64 * 1024 * 1024 });
  } else {
    const z: Transform =
      encoding === 'gzip'
        ? zlib.createGzip({ level: 9 })
        : encoding === 'deflate'
          ? zlib.createDeflate({ level: 9 })
          : zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    const chunks: Buffer[] = [];
    z.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise<void>((resolve, reject) => {
      z.once('end', resolve);
      z.once('error', reject);
    });
    if (prefix) z.write(prefix);
    const zeros = Buffer.alloc(1024 * 1024);
    for (let left = size; left > 0; left -= zeros.length) {
      if (!z.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => z.once('drain', r));
    }
    z.end();
    await done;
    out = Buffer.concat(chunks);
  }
  cache.set(key, out);
  return out;
}
