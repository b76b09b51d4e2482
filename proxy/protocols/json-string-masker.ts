/**
 * Streaming masking of JSON text (tool-call arguments arrive as JSON fragments). Secrets
 * sit inside string values, escaped ("-----BEGIN…\\nMIIE…"), so masking runs on the
 * decoded content of each string and the result is escaped again: the reassembled
 * arguments stay valid JSON, with masked spans replaced by placeholders.
 * Text outside strings passes through in order; nothing is reordered.
 */
import type { Masker } from '../masking/index.js';
import { StreamingMasker } from '../masking/index.js';

type State = 'outside' | 'string' | 'escape' | 'unicode';

export class JsonStreamMasker {
  private state: State = 'outside';
  private unicode = '';
  private str: StreamingMasker | null = null;
  private readonly done: string[] = [];

  constructor(private readonly masker: Masker) {}

  /** Types of the secrets masked so far, in order. */
  get findings(): string[] {
    return [...this.done, ...(this.str?.findings.map((f) => f.type) ?? [])];
  }

  push(text: string): string {
    let out = '';
    let plain = ''; // decoded string content gathered in this chunk
    const flushPlain = () => {
      if (plain) {
        out += escapeJson(this.str!.push(plain));
        plain = '';
      }
    };
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      switch (this.state) {
        case 'outside':
          out += ch;
          if (ch === '"') {
            this.state = 'string';
            this.str = new StreamingMasker(this.masker);
          }
          break;
        case 'string':
          if (ch === '\\') this.state = 'escape';
          else if (ch === '"') {
            flushPlain();
            out += escapeJson(this.str!.flush()) + '"';
            this.done.push(...this.str!.findings.map((f) => f.type));
            this.str = null;
            this.state = 'outside';
          } else plain += ch;
          break;
        case 'escape':
          this.state = 'string';
          switch (ch) {
            case 'n': plain += '\n'; break;
            case 'r': plain += '\r'; break;
            case 't': plain += '\t'; break;
            case 'b': plain += '\b'; break;
            case 'f': plain += '\f'; break;
            case 'u': this.state = 'unicode'; this.unicode = ''; break;
            default: plain += ch; // \" \\ \/
          }
          break;
        case 'unicode':
          this.unicode += ch;
          if (this.unicode.length === 4) {
            plain += String.fromCharCode(parseInt(this.unicode, 16) || 0);
            this.state = 'string';
          }
          break;
      }
    }
    if (this.state !== 'outside') flushPlain();
    return out;
  }

  /** End of the argument stream: releases anything held (an unterminated string too). */
  flush(): string {
    if (!this.str) return '';
    const rest = escapeJson(this.str.flush());
    this.done.push(...this.str.findings.map((f) => f.type));
    this.str = null;
    this.state = 'outside';
    return rest;
  }
}

function escapeJson(s: string): string {
  if (!s) return '';
  return JSON.stringify(s).slice(1, -1);
}
