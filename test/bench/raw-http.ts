/**
 * HTTP/1.1 framing by hand for the raw hop (raw-hop.ts): a message head parsed and written, and
 * a body's chunked or Content-Length framing undone as its bytes come (RFC 9112 §6–7). Only what
 * the bench's upstream and clients send; bench and test only.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';

/** A head without its final CRLF CRLF: the start line and the headers, names lower-cased, repeats joined by ", ". */
export function parseHead(text: string): { start: string; headers: Map<string, string> } {
  const lines = text.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const k = line.slice(0, colon).trim().toLowerCase();
    const v = line.slice(colon + 1).trim();
    const prev = headers.get(k);
    headers.set(k, prev === undefined ? v : `${prev}, ${v}`);
  }
  return { start: lines[0] ?? '', headers };
}

export function writeHead(start: string, headers: OutgoingHttpHeaders): string {
  let s = start + '\r\n';
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) s += `${k}: ${one}\r\n`;
  }
  return s + '\r\n';
}

export function headBlock(status: number, headers: OutgoingHttpHeaders): string {
  return writeHead(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, headers);
}

/** A body's bytes out of its framing: `chunked`, or a Content-Length (0: no body). */
export class BodyReader {
  private state: 'size' | 'data' | 'crlf' | 'trailer' | 'done';
  private line = '';
  private left: number;

  constructor(framing: 'chunked' | number) {
    this.state = framing === 'chunked' ? 'size' : framing > 0 ? 'data' : 'done';
    this.left = framing === 'chunked' ? 0 : framing;
    this.chunked = framing === 'chunked';
  }

  private readonly chunked: boolean;

  get ended(): boolean {
    return this.state === 'done';
  }

  /** The body bytes in `chunk` (views into it), in order. */
  read(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, chunk.length - i);
        out.push(chunk.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = this.chunked ? 'crlf' : 'done';
        continue;
      }
      // Line states: the chunk size line, the CRLF after a chunk's data, the trailer's lines.
      const nl = chunk.indexOf(10, i);
      const end = nl < 0 ? chunk.length : nl + 1;
      this.line += chunk.toString('latin1', i, end);
      i = end;
      if (nl < 0) continue;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.state === 'crlf') this.state = 'size';
      else if (this.state === 'size') {
        const size = parseInt(line.split(';')[0]!, 16);
        if (!Number.isFinite(size)) throw Object.assign(new Error(`bad chunk size line: ${JSON.stringify(line)}`), { code: 'HPE_INVALID_CHUNK_SIZE' });
        if (size === 0) this.state = 'trailer';
        else [this.state, this.left] = ['data', size];
      } else if (line === '') this.state = 'done';
    }
    return out;
  }
}
