/** Byte-level parts of the forward step: the upstream tap (a stream stage) and the client tail. */
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The first stage after the upstream: counts its bytes and, when `coalesce` is set, hands
 * on everything that arrived in one turn of the event loop as one chunk.
 *
 * Why: Node's HTTP client emits one chunk per chunked-encoding chunk, and an SSE upstream
 * usually writes one chunk per event, so a fast stream arrives as dozens of ~1 KB chunks
 * per socket read (the bench's 20 MB burst: about 20,000 of them). Every stage after this
 * one (decoder, the masking transform, the client tail, the client's chunked framing and
 * TLS writes) paid its per-chunk cost on each; now it pays it once per socket read. The
 * chunks are released on process.nextTick, i.e. before any further I/O is handled, so an
 * event is not delayed behind later traffic (a paced stream's events each arrive alone and
 * pass alone). Backpressure is kept: while the next stage refuses more, the upstream's
 * writes are not acknowledged.
 */
export class UpstreamTap extends Transform {
  private pending: Buffer[] = [];
  private scheduled = false;
  /** The next stage's buffer was full at the last release: writes wait for its read. */
  private blocked = false;
  private held: TransformCallback | null = null;

  constructor(
    private readonly onBytes: (n: number) => void,
    private readonly coalesce: boolean,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.onBytes(chunk.length);
    if (!this.coalesce) return cb(null, chunk);
    this.pending.push(chunk);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.release);
    }
    if (this.blocked) this.held = cb;
    else cb();
  }

  private readonly release = () => {
    this.scheduled = false;
    if (this.pending.length === 0 || this.destroyed) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    if (!this.push(chunk)) this.blocked = true;
  };

  override _read(size: number) {
    if (this.blocked) {
      this.blocked = false;
      const cb = this.held;
      this.held = null;
      cb?.();
    }
    super._read(size);
  }

  override _flush(cb: TransformCallback) {
    this.release();
    cb();
  }
}

/**
 * What the client was written (every write to its response, the forward step's `saw`):
 * counts bytes and remembers how the output ends, so a stream Witness must end early gets
 * its error event on an event boundary of its own. A plain object, not a stream stage: a
 * stage of its own before the response cost a Transform's write and push per event (~0.3 KB
 * of garbage and two more ticks per chunk, measured).
 */
export class ClientTail {
  /** The last four bytes written before `lastChunk` (only read when that chunk is shorter than four). */
  private before = '';
  /**
   * The last chunk written, kept as it is: its last bytes are read only if the stream must
   * end early (a stream of many chunks paid a string per chunk for nothing before).
   */
  private lastChunk: Buffer | null = null;

  constructor(private readonly onBytes: (n: number) => void) {}

  /** One write to the client (bound: passed as a callback). */
  readonly saw = (chunk: Buffer): void => {
    if (chunk.length) {
      if (chunk.length < 4) this.before = this.lastBytes();
      this.lastChunk = chunk;
    }
    this.onBytes(chunk.length);
  };

  /** The last (up to) four bytes written, as Latin-1 text. */
  private lastBytes(): string {
    const c = this.lastChunk;
    if (!c) return this.before;
    return c.length >= 4 ? c.toString('latin1', c.length - 4) : (this.before + c.toString('latin1')).slice(-4);
  }

  /** What to write first so the next event starts on its own: nothing, or the missing line ends. */
  boundary(): string {
    const last = this.lastBytes();
    if (last === '') return '';
    const end = LINE_END.exec(last);
    if (!end) return '\n\n';
    return LINE_END.test(last.slice(0, -end[1]!.length)) ? '' : '\n';
  }
}

const LINE_END = /(\r\n|\n|\r)$/;
