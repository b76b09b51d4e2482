/** Decoding request bodies (whole, in memory; they are bounded by the inspection limit). */
import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { parseContentEncoding } from '../intercept/index.js';

export function decodeBody(body: Buffer, contentEncoding: string | string[] | undefined): { ok: true; body: Buffer; encoded: boolean } | { ok: false; reason: string } {
  const encodings = parseContentEncoding(contentEncoding);
  let out = body;
  try {
    for (const enc of [...encodings].reverse()) {
      if (enc === 'gzip' || enc === 'x-gzip') out = zlib.gunzipSync(out);
      else if (enc === 'br') out = zlib.brotliDecompressSync(out);
      else if (enc === 'deflate') out = inflateAny(out);
      else if (enc === 'zstd') out = Buffer.from(zstdDecompress(out));
      else return { ok: false, reason: `content-encoding "${enc}" is not supported` };
    }
  } catch (e) {
    return { ok: false, reason: `body could not be decoded (${encodings.join(', ')}): ${(e as Error).message}` };
  }
  return { ok: true, body: out, encoded: encodings.length > 0 };
}

function inflateAny(b: Buffer): Buffer {
  try {
    return zlib.inflateSync(b);
  } catch {
    return zlib.inflateRawSync(b);
  }
}
