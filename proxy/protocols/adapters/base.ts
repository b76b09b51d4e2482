/**
 * Shared machinery of the streaming response adapters: one streaming masker per text
 * channel (a choice's content, a reasoning summary) and one JSON masker per tool-call
 * argument stream, plus the running summary and the semantic event feed.
 * With masking off, channels are identity and events are forwarded byte for byte.
 */
import type { Masker } from '../../masking/index.js';
import { StreamingMasker } from '../../masking/index.js';
import { JsonStreamMasker } from '../json-string-masker.js';
import { maskDeep } from '../deep-mask.js';
import { encodeEvent, type SseEvent } from '../sse.js';
import { emptySummary, type ResponseSummary, type SemanticEvent, type ToolCall, type Usage } from '../types.js';

export interface AdapterContext {
  /** null = masking off for responses (policy "allow"). */
  masker: Masker | null;
  onSemantic?: (e: SemanticEvent) => void;
  now?: () => number;
}

export interface StreamAdapter {
  /** One parsed event in; the raw text to send to the client out (zero or more events). */
  onEvent(ev: SseEvent): string;
  /** End of stream: anything still held, as extra events. */
  finish(): string;
  readonly summary: ResponseSummary;
  /** Masked-secret counts by type. */
  readonly maskings: Map<string, number>;
  /** When the first text or tool-call content arrived (epoch ms). */
  readonly firstTokenAt: number | null;
}

export abstract class BaseAdapter implements StreamAdapter {
  readonly summary: ResponseSummary = emptySummary();
  readonly maskings = new Map<string, number>();
  firstTokenAt: number | null = null;
  private readonly texts = new Map<string, { m: StreamingMasker | null; out: string; counted: number }>();
  private readonly jsons = new Map<string, { m: JsonStreamMasker | null; out: string; counted: number }>();
  protected readonly calls = new Map<string, ToolCall>();

  constructor(protected readonly ctx: AdapterContext) {}

  abstract onEvent(ev: SseEvent): string;
  abstract finish(): string;

  protected get masking(): boolean {
    return this.ctx.masker !== null;
  }

  /** Text channel: returns what may be forwarded now. */
  protected text(key: string, input: string): string {
    const ch = this.textChannel(key);
    if (input && this.firstTokenAt === null) this.firstTokenAt = this.now();
    const out = ch.m ? ch.m.push(input) : input;
    this.recordText(key, ch, out);
    return out;
  }

  protected flushText(key: string): string {
    const ch = this.texts.get(key);
    if (!ch || !ch.m) return '';
    const out = ch.m.flush();
    this.recordText(key, ch, out);
    return out;
  }

  /** Everything forwarded so far on a text channel (masked). */
  protected textSoFar(key: string): string {
    return this.texts.get(key)?.out ?? '';
  }

  protected textKeys(prefix = ''): string[] {
    return [...this.texts.keys()].filter((k) => k.startsWith(prefix));
  }

  /** Tool-call argument channel (JSON text). */
  protected args(key: string, input: string): string {
    const ch = this.jsonChannel(key);
    if (input && this.firstTokenAt === null) this.firstTokenAt = this.now();
    const out = ch.m ? ch.m.push(input) : input;
    this.recordArgs(key, ch, out);
    return out;
  }

  protected flushArgs(key: string): string {
    const ch = this.jsons.get(key);
    if (!ch || !ch.m) return '';
    const out = ch.m.flush();
    this.recordArgs(key, ch, out);
    return out;
  }

  protected argsSoFar(key: string): string {
    return this.jsons.get(key)?.out ?? '';
  }

  protected argKeys(prefix = ''): string[] {
    return [...this.jsons.keys()].filter((k) => k.startsWith(prefix));
  }

  protected startCall(key: string, index: number, id: string | null, name: string) {
    if (this.calls.has(key)) return;
    const call: ToolCall = { index, id, name, arguments: '' };
    this.calls.set(key, call);
    this.summary.toolCalls.push(call);
    this.ctx.onSemantic?.({ kind: 'tool-call-start', index, id, name });
  }

  protected endCall(key: string) {
    const call = this.calls.get(key);
    if (call) this.ctx.onSemantic?.({ kind: 'tool-call-end', index: call.index });
  }

  protected setFinish(reason: string) {
    this.summary.finishReason = reason;
    this.ctx.onSemantic?.({ kind: 'finish', reason });
  }

  protected setUsage(u: Usage) {
    this.summary.usage = u;
    this.ctx.onSemantic?.({ kind: 'usage', usage: u });
  }

  protected error(message: string) {
    const m = this.ctx.masker ? this.ctx.masker.mask(message).text : message;
    this.summary.errors.push(m);
    this.ctx.onSemantic?.({ kind: 'error', message: m });
  }

  /** Masks every string of an event we do not understand field by field. */
  protected maskWhole(ev: SseEvent, obj: unknown, skip?: (path: string, key: string) => boolean): string {
    if (!this.ctx.masker) return ev.raw;
    const r = maskDeep(obj, this.ctx.masker, skip);
    if (r.value === obj) return ev.raw;
    for (const f of r.findings) this.tally(f.type, 1);
    return encodeEvent(typeof r.value === 'string' ? r.value : JSON.stringify(r.value), ev);
  }

  /** Like maskWhole, for an event this adapter has already rewritten in place. */
  protected maskAndEncode(ev: SseEvent, obj: unknown, skip?: (path: string, key: string) => boolean): string {
    if (!this.ctx.masker) return this.reencode(ev, obj);
    const r = maskDeep(obj, this.ctx.masker, skip);
    for (const f of r.findings) this.tally(f.type, 1);
    return this.reencode(ev, r.value);
  }

  protected reencode(ev: SseEvent, obj: unknown): string {
    return encodeEvent(JSON.stringify(obj), ev);
  }

  protected now(): number {
    return (this.ctx.now ?? Date.now)();
  }

  private tally(type: string, n: number) {
    this.maskings.set(type, (this.maskings.get(type) ?? 0) + n);
  }

  private textChannel(key: string) {
    let ch = this.texts.get(key);
    if (!ch) {
      ch = { m: this.ctx.masker ? new StreamingMasker(this.ctx.masker) : null, out: '', counted: 0 };
      this.texts.set(key, ch);
    }
    return ch;
  }

  private jsonChannel(key: string) {
    let ch = this.jsons.get(key);
    if (!ch) {
      ch = { m: this.ctx.masker ? new JsonStreamMasker(this.ctx.masker) : null, out: '', counted: 0 };
      this.jsons.set(key, ch);
    }
    return ch;
  }

  private recordText(key: string, ch: { m: StreamingMasker | null; out: string; counted: number }, out: string) {
    ch.out += out;
    // The answer text; reasoning and thinking channels are not part of it.
    if (!key.startsWith('rs:') && !key.startsWith('thinking:')) this.summary.text += out;
    if (ch.m) {
      for (const f of ch.m.findings.slice(ch.counted)) this.tally(f.type, 1);
      ch.counted = ch.m.findings.length;
    }
    if (out) this.ctx.onSemantic?.({ kind: 'text', channel: key, text: out });
  }

  private recordArgs(key: string, ch: { m: JsonStreamMasker | null; out: string; counted: number }, out: string) {
    ch.out += out;
    if (ch.m) {
      const types = ch.m.findings;
      for (const t of types.slice(ch.counted)) this.tally(t, 1);
      ch.counted = types.length;
    }
    const call = this.calls.get(key);
    if (call) {
      call.arguments += out;
      if (out) this.ctx.onSemantic?.({ kind: 'tool-call-delta', index: call.index, text: out });
    }
  }
}

export function parseJson(data: string | null): unknown {
  if (data === null) return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

export function usageFromOpenAi(u: any): Usage | null {
  if (!u || typeof u !== 'object') return null;
  return {
    promptTokens: num(u.prompt_tokens ?? u.input_tokens),
    completionTokens: num(u.completion_tokens ?? u.output_tokens),
    totalTokens: num(u.total_tokens ?? (num(u.input_tokens) !== null && num(u.output_tokens) !== null ? u.input_tokens + u.output_tokens : null)),
    cachedTokens: num(u.prompt_tokens_details?.cached_tokens ?? u.input_tokens_details?.cached_tokens ?? u.cache_read_input_tokens),
  };
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
