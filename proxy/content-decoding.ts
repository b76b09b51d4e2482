/**
 * Content-Encoding decoding, the one list of encodings Witness can read (gzip, br, deflate
 * — zlib-wrapped or raw — and zstd), in two forms:
 *  - stream (`createDecoder`): output is emitted as input arrives (a gzip stream flushed
 *    per SSE event decodes per event), so decoding never turns a stream into a blob;
 *  - buffer (`decodeBody`): a whole body in memory (request bodies, bounded by the
 *    inspection limit).
 * An encoding not in the list is reported, never guessed at: the caller passes the body
 * through untouched and records it as not inspected.
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress, decompress as zstdDecompress } from 'fzstd';

export type DecoderResult =
  | { ok: true; stream: Transform | null; encodings: string[] }
  | { ok: false; reason: string; encodings: string[] };

const SYNC = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BR_SYNC = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** Encodings listed in a Content-Encoding header, in the order they were applied. */
function parseContentEncoding(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(',') : header ?? '';
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity');
}

/** Each readable encoding, in its buffer and its stream form. */
interface Decoder {
  buffer(body: Buffer): Buffer;
  stream(): Transform;
}

const gzip: Decoder = { buffer: (b) => zlib.gunzipSync(b), stream: () => zlib.createGunzip(SYNC) };
/** A Map, not an object literal: a header naming "constructor" or "__proto__" must find nothing. */
const DECODERS = new Map<string, Decoder>([
  ['gzip', gzip],
  ['x-gzip', gzip],
  ['br', { buffer: (b) => zlib.brotliDecompressSync(b), stream: () => zlib.createBrotliDecompress(BR_SYNC) }],
  ['deflate', { buffer: inflateAny, stream: () => new DeflateSniffer() }],
  ['zstd', { buffer: (b) => Buffer.from(zstdDecompress(b)), stream: () => new ZstdDecoder() }],
]);

const unsupported = (enc: string) => `content-encoding "${enc}" is not supported`;

/** The stream form: a transform that decodes as bytes arrive (null when nothing is encoded). */
export function createDecoder(header: string | string[] | undefined): DecoderResult {
  const encodings = parseContentEncoding(header);
  if (encodings.length === 0) return { ok: true, stream: null, encodings };
  const stages: Transform[] = [];
  for (const enc of [...encodings].reverse()) {
    const decoder = DECODERS.get(enc);
    if (!decoder) return { ok: false, reason: unsupported(enc), encodings };
    stages.push(decoder.stream());
  }
  return { ok: true, stream: stages.length === 1 ? stages[0]! : chain(stages), encodings };
}

/** The buffer form: a whole body decoded in memory. */
export function decodeBody(body: Buffer, contentEncoding: string | string[] | undefined): { ok: true; body: Buffer; encoded: boolean } | { ok: false; reason: string } {
  const encodings = parseContentEncoding(contentEncoding);
  let out = body;
  try {
    for (const enc of [...encodings].reverse()) {
      const decoder = DECODERS.get(enc);
      if (!decoder) return { ok: false, reason: unsupported(enc) };
      out = decoder.buffer(out);
    }
  } catch (e) {
    return { ok: false, reason: `body could not be decoded (${encodings.join(', ')}): ${(e as Error).message}` };
  }
  return { ok: true, body: out, encoded: encodings.length > 0 };
}

/** "deflate" in a whole body: zlib-wrapped as the RFC says, or raw as some servers send it. */
function inflateAny(b: Buffer): Buffer {
  try {
    return zlib.inflateSync(b);
  } catch {
    return zlib.inflateRawSync(b);
  }
}

/**
 * "deflate" is meant to be zlib-wrapped (RFC 9110 §8.4.1.2) but some servers send raw
 * deflate; the first two bytes tell which.
 */
class DeflateSniffer extends Transform {
  private inner: Transform | null = null;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    if (this.inner) return this.feed(chunk, cb);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < 2) return cb();
    const cmf = this.head[0]!;
    const flg = this.head[1]!;
    const zlibWrapped = (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
    this.inner = zlibWrapped ? zlib.createInflate(SYNC) : zlib.createInflateRaw(SYNC);
    this.inner.on('data', (d: Buffer) => this.push(d));
    this.inner.on('error', (e) => this.destroy(e));
    const head = this.head;
    this.head = Buffer.alloc(0);
    this.feed(head, cb);
  }

  private feed(chunk: Buffer, cb: TransformCallback) {
    if (this.inner!.write(chunk)) cb();
    else this.inner!.once('drain', () => cb());
  }

  override _flush(cb: TransformCallback) {
    if (!this.inner) return cb(this.head.length ? new Error('deflate body too short') : null);
    this.inner.once('end', () => cb());
    this.inner.end();
  }
}

/**
 * zstd: Node 20's zlib has none, so fzstd (pure JS, streaming) decodes it. Output is
 * emitted per decoded block, so a zstd stream flushed per SSE event still streams.
 */
class ZstdDecoder extends Transform {
  private readonly z = new ZstdDecompress((data) => {
    if (data.length) this.push(Buffer.from(data));
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      this.z.push(chunk);
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message}`));
    }
  }

  override _flush(cb: TransformCallback) {
    try {
      this.z.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message}`));
    }
  }
}

/** Composes transforms into one, keeping backpressure and errors. */
function chain(stages: Transform[]): Transform {
  const first = stages[0]!;
  const last = stages[stages.length - 1]!;
  for (let i = 0; i < stages.length - 1; i++) {
    stages[i]!.pipe(stages[i + 1]!);
  }
  const outer = new Transform({
    transform(chunk, _enc, cb) {
      if (first.write(chunk)) cb();
      else first.once('drain', () => cb());
    },
    flush(cb) {
      last.once('end', () => cb());
      first.end();
    },
  });
  last.on('data', (d) => outer.push(d));
  for (const s of stages) s.on('error', (e) => outer.destroy(e));
  return outer;
}
