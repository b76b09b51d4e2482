/**
 * Content-Encoding decoding, the one list of encodings Witness can read (gzip, br, deflate
 * — zlib-wrapped or raw — and zstd), in two forms:
 *  - stream (`createDecoder`): output is emitted as input arrives (a gzip stream flushed
 *    per SSE event decodes per event), so decoding never turns a stream into a blob;
 *  - buffer (`decodeBody`): a whole body in memory (request bodies, bounded by the
 *    inspection limit).
 * An encoding not in the list is reported, never guessed at: the caller passes the body
 * through untouched and records it as not inspected.
 *
 * Both forms stop inflating once a stage's output passes a cap (`limits.maxInspectedBodyBytes`):
 * a 1 MB gzip body that inflates to 1 GiB drove the engine to 2.2 GB RSS and a 500
 * (ERR_STRING_TOO_LONG) before (issue 20). The cap is checked as each piece is produced,
 * never after a whole body was built, so memory stays near the cap whatever the ratio.
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';

export type DecoderResult =
  | { ok: true; stream: Transform | null; encodings: string[] }
  | { ok: false; reason: string; encodings: string[] };

/** Used when a caller names no cap; the config default of limits.maxInspectedBodyBytes. */
export const DEFAULT_MAX_DECODED_BYTES = 32 * 1024 * 1024;

/** Decoded output passed the cap: decoding stopped there. */
export class DecodedTooLargeError extends Error {
  readonly code = 'WITNESS_DECODED_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`decoded body larger than ${maxBytes} bytes`);
  }
}

export function isDecodedTooLarge(e: unknown): e is DecodedTooLargeError {
  return e instanceof DecodedTooLargeError;
}

const SYNC = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BR_SYNC = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** Encodings listed in a Content-Encoding header, in the order they were applied. */
function parseContentEncoding(header: string | string[] | undefined): string[] {
  if (header === undefined || header === '') return []; // most responses: checked at every response head
  const raw = Array.isArray(header) ? header.join(',') : header ?? '';
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity');
}

/** Each readable encoding, in its buffer and its stream form; both stop past `max` output bytes. */
interface Decoder {
  buffer(body: Buffer, max: number): Buffer;
  stream(max: number): Transform;
}

/** zlib's sync forms stop at maxOutputLength themselves (RangeError ERR_BUFFER_TOO_LARGE). */
function zlibSync(fn: (b: Buffer, o: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer) {
  return (b: Buffer, max: number) => {
    try {
      return fn(b, { maxOutputLength: max });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodedTooLargeError(max);
      throw e;
    }
  };
}

const gzip: Decoder = { buffer: zlibSync(zlib.gunzipSync), stream: (max) => capPushes(zlib.createGunzip(SYNC), max) };
/** A Map, not an object literal: a header naming "constructor" or "__proto__" must find nothing. */
const DECODERS = new Map<string, Decoder>([
  ['gzip', gzip],
  ['x-gzip', gzip],
  ['br', { buffer: zlibSync(zlib.brotliDecompressSync), stream: (max) => capPushes(zlib.createBrotliDecompress(BR_SYNC), max) }],
  ['deflate', { buffer: inflateAny, stream: (max) => capPushes(new DeflateSniffer(), max) }],
  ['zstd', { buffer: zstdBuffer, stream: (max) => new ZstdDecoder(max) }],
]);

/**
 * Counts what a stream pushes and destroys it the moment the total passes `max`. zlib keeps
 * inflating a whole input chunk into its readable buffer whatever the reader wants (one
 * brotli chunk can expand a million times), so the count is taken at push, where each
 * 16 KiB piece is produced, and destroying the stream ends that loop.
 */
function capPushes<T extends Transform>(t: T, max: number): T {
  let total = 0;
  const push = t.push.bind(t);
  t.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null && !t.destroyed) {
      total += (chunk as Buffer).length;
      if (total > max) {
        t.destroy(new DecodedTooLargeError(max));
        return false;
      }
    }
    return push(chunk, encoding);
  };
  return t;
}

const unsupported = (enc: string) => `content-encoding "${enc}" is not supported`;

/**
 * The stream form: a transform that decodes as bytes arrive (null when nothing is encoded).
 * Past `maxBytes` of output from any stage it fails with DecodedTooLargeError.
 */
export function createDecoder(header: string | string[] | undefined, maxBytes = DEFAULT_MAX_DECODED_BYTES): DecoderResult {
  const encodings = parseContentEncoding(header);
  if (encodings.length === 0) return { ok: true, stream: null, encodings };
  const stages: Transform[] = [];
  for (const enc of [...encodings].reverse()) {
    const decoder = DECODERS.get(enc);
    if (!decoder) return { ok: false, reason: unsupported(enc), encodings };
    stages.push(decoder.stream(maxBytes));
  }
  return { ok: true, stream: stages.length === 1 ? stages[0]! : chain(stages), encodings };
}

/** The buffer form: a whole body decoded in memory, never more than `maxBytes` per stage. */
export function decodeBody(
  body: Buffer,
  contentEncoding: string | string[] | undefined,
  maxBytes = DEFAULT_MAX_DECODED_BYTES,
): { ok: true; body: Buffer; encoded: boolean } | { ok: false; reason: string; tooLarge?: true } {
  const encodings = parseContentEncoding(contentEncoding);
  let out = body;
  try {
    for (const enc of [...encodings].reverse()) {
      const decoder = DECODERS.get(enc);
      if (!decoder) return { ok: false, reason: unsupported(enc) };
      out = decoder.buffer(out, maxBytes);
    }
  } catch (e) {
    if (isDecodedTooLarge(e)) return { ok: false, reason: e.message, tooLarge: true };
    return { ok: false, reason: `body could not be decoded (${encodings.join(', ')}): ${(e as Error).message}` };
  }
  return { ok: true, body: out, encoded: encodings.length > 0 };
}

/** "deflate" in a whole body: zlib-wrapped as the RFC says, or raw as some servers send it. */
function inflateAny(b: Buffer, max: number): Buffer {
  try {
    return zlibSync(zlib.inflateSync)(b, max);
  } catch (e) {
    if (isDecodedTooLarge(e)) throw e;
    return zlibSync(zlib.inflateRawSync)(b, max);
  }
}

/** fzstd's one-shot decompress builds the whole output; its stream form lets us stop at the cap. */
function zstdBuffer(b: Buffer, max: number): Buffer {
  const out: Uint8Array[] = [];
  let total = 0;
  const z = new ZstdDecompress((data) => {
    total += data.length;
    if (total > max) throw new DecodedTooLargeError(max);
    out.push(data);
  });
  z.push(b, true);
  return Buffer.concat(out);
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

  override _destroy(err: Error | null, cb: (e: Error | null) => void) {
    this.inner?.destroy();
    cb(err);
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
  private total = 0;
  private readonly z = new ZstdDecompress((data) => {
    this.total += data.length;
    // Thrown inside fzstd's block loop: it stops there, and _transform reports it.
    if (this.total > this.max) throw new DecodedTooLargeError(this.max);
    if (data.length) this.push(Buffer.from(data));
  });

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      this.z.push(chunk);
      cb();
    } catch (e) {
      cb(isDecodedTooLarge(e) ? e : new Error(`zstd: ${(e as Error).message}`));
    }
  }

  override _flush(cb: TransformCallback) {
    try {
      this.z.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(isDecodedTooLarge(e) ? e : new Error(`zstd: ${(e as Error).message}`));
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
    destroy(err, cb) {
      for (const s of stages) s.destroy();
      cb(err);
    },
  });
  last.on('data', (d) => outer.push(d));
  for (const s of stages) s.on('error', (e) => outer.destroy(e));
  return outer;
}
