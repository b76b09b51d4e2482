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

const EMPTY = Buffer.alloc(0);

export class SseAdapterTransform extends Transform {
  private readonly parser = new SseParser();
  /**
   * The input bytes of the parser's pending text while they are one byte per character
   * (`aligned`): a run of events that passes untouched is forwarded as these bytes, not
   * re-encoded from its text.
   */
  private held: Buffer[] = [];
  private heldLen = 0;
  private aligned = true;

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
    let out: string | Buffer = '';
    try {
      const before = this.parser.pending;
      const events = this.parser.push(chunk);
      // Keep the bytes behind the pending text while every character of it is one input byte.
      if (this.parser.lastPushAscii && (this.aligned || before === 0)) {
        if (!this.aligned) this.dropHeld();
        this.aligned = true;
        this.held.push(chunk);
        this.heldLen += chunk.length;
      } else if (this.aligned) {
        this.aligned = false;
        this.dropHeld();
      }
      // Bytes of the events just completed (when aligned): all but the pending text's.
      const done = this.aligned ? this.heldLen - this.parser.pending : -1;
      if (this.passes(events)) {
        if (done >= 0) out = this.takeHeld(done);
        else for (const ev of events) out += ev.raw;
      } else {
        // The events' output as text, or null while each came out as its own raw text (the
        // usual event of a paced stream, alone in its chunk): then, when aligned, the input
        // bytes go on as they came, with no text to encode again.
        let text: string | null = done >= 0 ? null : '';
        for (let i = 0; i < events.length; i++) {
          const ev = events[i]!;
          const pieces = this.adapter.step(ev);
          this.record?.step(ev);
          if (text === null && pieces.length === 1 && pieces[0]!.raw === ev.raw) continue;
          if (text === null) {
            text = '';
            for (let j = 0; j < i; j++) text += events[j]!.raw;
          }
          for (const piece of pieces) text += piece.raw;
        }
        const bytes = done > 0 ? this.takeHeld(done) : EMPTY;
        out = text ?? bytes;
      }
    } catch (e) {
      return cb(e as Error);
    }
    if (out.length) this.push(out);
    cb();
  }

  /**
   * Whether both adapters let all of these events pass untouched (checked on the whole run
   * at once: one keyword scan per chunk instead of one per event).
   */
  private passes(events: SseEvent[]): boolean {
    if (events.length < 2 || !this.adapter.passes || (this.record && !this.record.passes)) return false;
    for (const ev of events) if (ev.oversize) return false;
    return this.adapter.passes(events) && (!this.record || this.record.passes!(events));
  }

  /** The first `n` held bytes, removed from the front. */
  private takeHeld(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.heldLen -= n;
    const first = this.held[0]!;
    if (first.length === n) return this.held.shift()!;
    if (first.length > n) {
      this.held[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    for (let need = n; need > 0; ) {
      const b = this.held[0]!;
      if (b.length <= need) {
        parts.push(b);
        this.held.shift();
        need -= b.length;
      } else {
        parts.push(b.subarray(0, need));
        this.held[0] = b.subarray(need);
        need = 0;
      }
    }
    return Buffer.concat(parts, n);
  }

  private dropHeld() {
    this.held = [];
    this.heldLen = 0;
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
