/**
 * Stream transforms that sit in the proxy's response path (after content decoding).
 *  - SseAdapterTransform: bytes → SSE events → adapter (masking, assembly) → bytes. Each
 *    input chunk's output is pushed at once, so events keep their pacing.
 *  - BufferedBodyTransform: for JSON/text bodies, which are small and not streamed; bounded
 *    by a size limit, beyond which the body passes through uninspected.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { StreamAdapter } from './adapters/index.js';
import { SseParser, type SseEvent } from './sse.js';

export class SseAdapterTransform extends Transform {
  private readonly parser = new SseParser();

  /**
   * @param adapter produces what the client receives
   * @param record  when set (masking off for the client), a second, masking adapter that
   *                only builds the audit view; its output is discarded
   */
  constructor(
    readonly adapter: StreamAdapter,
    readonly record: StreamAdapter | null = null,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    let out = '';
    try {
      const events = this.parser.push(chunk);
      const whole = this.passing(events);
      if (whole !== null) out = whole;
      else {
        for (const ev of events) {
          for (const piece of this.adapter.step(ev)) out += piece.raw;
          this.record?.step(ev);
        }
      }
    } catch (e) {
      return cb(e as Error);
    }
    if (out) this.push(out);
    cb();
  }

  /**
   * The events' text when both adapters let all of them pass untouched (checked on the
   * whole run at once: one keyword scan per chunk instead of one per event), else null.
   */
  private passing(events: SseEvent[]): string | null {
    if (events.length < 2 || !this.adapter.passes || (this.record && !this.record.passes)) return null;
    for (const ev of events) if (ev.oversize) return null;
    if (!this.adapter.passes(events) || (this.record && !this.record.passes!(events))) return null;
    let text = '';
    for (const ev of events) text += ev.raw;
    return text;
  }

  override _flush(cb: TransformCallback) {
    let out = '';
    try {
      for (const ev of this.parser.end()) {
        for (const piece of this.adapter.step(ev)) out += piece.raw;
        this.record?.step(ev);
      }
      for (const piece of this.adapter.end()) out += piece.raw;
      this.record?.end();
    } catch (e) {
      return cb(e as Error);
    }
    if (out) this.push(out);
    cb();
  }
}

export class BufferedBodyTransform extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflow = false;
  notInspected: string | null = null;

  constructor(
    private readonly limit: number,
    private readonly process: (body: Buffer) => Buffer,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    if (this.overflow) return cb(null, chunk);
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.overflow = true;
      this.notInspected = `body larger than ${this.limit} bytes`;
      const held = Buffer.concat([...this.chunks, chunk]);
      this.chunks = [];
      return cb(null, held);
    }
    this.chunks.push(chunk);
    cb();
  }

  override _flush(cb: TransformCallback) {
    if (this.overflow) return cb();
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    try {
      cb(null, this.process(body));
    } catch (e) {
      this.notInspected = `could not process body: ${(e as Error).message}`;
      cb(null, body);
    }
  }
}
