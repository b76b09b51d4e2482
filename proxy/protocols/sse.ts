/**
 * Server-Sent Events framing (WHATWG HTML §9.2), parsed incrementally and byte-exactly.
 * Any chunking gives the same events: UTF-8 sequences split across chunks, CR, LF or CRLF
 * line ends (also split between chunks), comments, multi-line data, `event:`/`id:`.
 * Each event keeps its raw text, so an event nobody changes is forwarded byte for byte.
 */
import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

export interface SseEvent {
  /** The exact text of the event including its terminating blank line. */
  raw: string;
  /** `event:` field, if any. */
  event: string | null;
  /** `data:` lines joined with "\n"; null when the block had no data line (comment-only). */
  data: string | null;
  id: string | null;
  /** Line terminator used by this event ("\n", "\r\n" or "\r"). */
  eol: string;
  /**
   * Set on the pieces of an event larger than the parser's limit: `first` on the first
   * piece, `rest` on the others. Such pieces are not parsed (`data` is null) and pass as
   * they came.
   */
  oversize?: 'first' | 'rest';
}

/** Largest SSE event parsed (characters); a larger one passes through unparsed, in pieces. */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;

export class SseParser {
  /** Made at the first chunk that is not plain ASCII (most streams never need one). */
  private decoder: TextDecoder | null = null;
  /** The decoder holds no partial UTF-8 sequence: an all-ASCII chunk may be read one character per byte. */
  private decoderClean = true;
  /** Bytes were read already (a byte order mark is dropped only at the very start). */
  private started = false;
  private buf = '';
  private scanFrom = 0;
  /** Inside an event already found too large: its text is passed on as it comes. */
  private oversize = false;
  /**
   * The last push was bytes read one character per byte (all ASCII, nothing pending in the
   * decoder): its characters are its bytes, so a caller that keeps the bytes can tell which
   * of them the events it got cover (see `pending`).
   */
  lastPushAscii = false;

  constructor(private readonly maxEventChars = MAX_SSE_EVENT_CHARS) {}

  /** Characters read but not yet handed out in an event. */
  get pending(): number {
    return this.buf.length;
  }

  /** Feeds bytes (or text); returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.buf += typeof chunk === 'string' ? ((this.lastPushAscii = false), chunk) : this.decode(chunk);
    return this.drain(false);
  }

  /** End of stream: a final event without its blank line is still delivered. */
  end(): SseEvent[] {
    this.lastPushAscii = false;
    if (this.decoder) this.buf += this.decoder.decode();
    return this.drain(true);
  }

  /**
   * UTF-8 bytes to text, as one streaming TextDecoder would decode them: an all-ASCII chunk
   * (the usual SSE chunk: JSON escapes everything else) with nothing pending is read as
   * Latin-1, several times faster than the decoder's streaming path; any other chunk goes
   * to the decoder. Its BOM handling stays exact: only a decoder that sees the stream's
   * first byte may drop a leading BOM.
   */
  private decode(chunk: Uint8Array): string {
    if (this.decoderClean && isAscii(chunk)) {
      this.lastPushAscii = true;
      if (chunk.length > 0) this.started = true;
      return (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)).toString('latin1');
    }
    this.lastPushAscii = false;
    this.decoder ??= new TextDecoder('utf-8', { fatal: false, ignoreBOM: this.started });
    if (chunk.length > 0) {
      this.started = true;
      // A chunk ending in an ASCII byte leaves nothing pending (such a byte ends any partial sequence).
      this.decoderClean = chunk[chunk.length - 1]! < 0x80;
    }
    return this.decoder.decode(chunk, { stream: true });
  }

  private drain(final: boolean): SseEvent[] {
    const out: SseEvent[] = [];
    // Whether the unscanned text has a CR (checked once: the buffer only shrinks below).
    const lfOnly = this.buf.indexOf('\r', this.scanFrom) < 0;
    for (;;) {
      const end = findEventEnd(this.buf, this.scanFrom, final, lfOnly);
      if (end < 0) {
        // Nothing complete; resume scanning near the end next time (a CR may await its LF).
        this.scanFrom = Math.max(0, this.buf.length - 2);
        if (this.buf.length > this.maxEventChars || (this.oversize && this.buf.length > 2)) {
          // Too large to parse (or the rest of such an event): pass it on now, keeping the
          // last two characters, which may be the start of the blank line that ends it.
          const keep = final ? 0 : 2;
          out.push(this.unparsed(this.buf.slice(0, this.buf.length - keep)));
          this.buf = this.buf.slice(this.buf.length - keep);
          this.scanFrom = 0;
        }
        break;
      }
      const raw = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      this.scanFrom = 0;
      if (this.oversize || raw.length > this.maxEventChars) {
        out.push(this.unparsed(raw));
        this.oversize = false;
      } else out.push(parseBlock(raw));
    }
    if (final && this.buf.length > 0) {
      out.push(this.oversize ? this.unparsed(this.buf) : parseBlock(this.buf));
      this.buf = '';
    }
    if (final) this.oversize = false;
    return out;
  }

  private unparsed(raw: string): SseEvent {
    const ev: SseEvent = { raw, event: null, data: null, id: null, eol: '\n', oversize: this.oversize ? 'rest' : 'first' };
    this.oversize = true;
    return ev;
  }
}

/** Index just past the blank line that ends the first event, or -1. */
function findEventEnd(s: string, from: number, final: boolean, lfOnly: boolean): number {
  // Streams with LF line ends (nearly all): the engine's own substring search, which is far
  // faster than a loop over every character. With a CR anywhere after `from`, the loop.
  if (lfOnly) {
    const k = s.indexOf('\n\n', from);
    return k < 0 ? -1 : k + 2;
  }
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    // End of a line at i; is the next line empty?
    let j = i + 1;
    if (c === 13) {
      if (j >= s.length) return -1; // CR at end: maybe CRLF, wait
      if (s.charCodeAt(j) === 10) j++;
    }
    if (j >= s.length) return -1;
    const d = s.charCodeAt(j);
    if (d === 10) return j + 1;
    if (d === 13) {
      if (j + 1 >= s.length) return final ? j + 1 : -1; // CR: maybe CRLF
      return s.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
    }
    i = j - 1;
  }
  return -1;
}

function parseBlock(raw: string): SseEvent {
  const hasCr = raw.includes('\r');
  // The usual event, one `data:` line and LF line ends, without splitting it into lines.
  if (!hasCr && raw.startsWith('data: ') && raw.indexOf('\n') === raw.length - 2 && raw.endsWith('\n\n')) {
    return { raw, event: null, data: raw.slice(6, raw.length - 2), id: null, eol: '\n' };
  }
  const eol = !hasCr ? '\n' : raw.includes('\r\n') ? '\r\n' : '\r';
  let event: string | null = null;
  let id: string | null = null;
  const data: string[] = [];
  for (const line of hasCr ? raw.split(/\r\n|\r|\n/) : raw.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  return { raw, event, data: data.length ? data.join('\n') : null, id, eol };
}

/** Encodes an event in the same style as `like` (its event name, id and line ends). */
export function encodeEvent(data: string, like: Pick<SseEvent, 'event' | 'id' | 'eol'> = { event: null, id: null, eol: '\n' }): string {
  const eol = like.eol;
  let out = '';
  if (like.event !== null) out += `event: ${like.event}${eol}`;
  if (like.id !== null) out += `id: ${like.id}${eol}`;
  for (const line of data.split('\n')) out += `data: ${line}${eol}`;
  return out + eol;
}

/** An SSE comment, used as a keep-alive while a response is held. */
export function sseComment(text: string, eol = '\n'): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}${eol}${eol}`;
}
