/**
 * Shared machinery of the streaming response adapters: one streaming masker per text
 * channel (a choice's content, reasoning, a refusal) and one masker per tool-call input
 * stream (JSON masker for JSON arguments, text masker for raw input), plus the running
 * summary and the semantic event feed.
 * With masking off, channels are identity and events are forwarded byte for byte.
 * Output comes per event: each piece is raw SSE for the client together with the semantic
 * events it carries, so a hold can cut at the piece that starts a tool call without
 * parsing what the adapter wrote.
 */
import type { Masker, PlaceholderLedger, RestoreTally } from '../../masking/index.js';
import { StreamingMasker, StreamRestorer } from '../../masking/index.js';
import { JsonStreamMasker } from '../json-string-masker.js';
import { maskDeep } from '../deep-mask.js';
import { encodeEvent, type SseEvent } from '../sse.js';
import { emptySummary, MAX_RECORDED_TEXT_CHARS, type ResponseSummary, type SemanticEvent, type ToolCall, type Usage } from '../types.js';
import type { CallInput } from '../tool-calls.js';

export interface AdapterContext {
  /** null = masking off for responses (policy "allow"). */
  masker: Masker | null;
  onSemantic?: (e: SemanticEvent) => void;
  now?: () => number;
  /**
   * The placeholder round trip (only for the client's adapter, only with masking on): our
   * own placeholders in text channels and tool-call inputs are restored in the raw output,
   * while the summary and semantic events (record, live view, approvals) keep them.
   */
  restore?: PlaceholderLedger | null;
}

/** Raw SSE for the client (one or more whole events, or nothing) and the semantic events it carries. */
export interface AdapterPiece {
  raw: string;
  events: SemanticEvent[];
}

export interface StreamAdapter {
  /** One parsed event in; what the client gets for it, in order (a synthetic event released before it is its own piece). */
  step(ev: SseEvent): AdapterPiece[];
  /** End of stream: anything still held, as extra pieces. */
  end(): AdapterPiece[];
  readonly summary: ResponseSummary;
  /** Masked-secret counts by type. */
  readonly maskings: Map<string, number>;
  /** When the first text or tool-call content arrived (epoch ms). */
  readonly firstTokenAt: number | null;
  /** Placeholders restored for the editor in the raw output (and those left because their tag collided). */
  readonly restoredForEditor: RestoreTally;
  /**
   * Optional fast path: true when every one of these events (parsed, none oversize) would
   * pass byte for byte with nothing to count or report, so the caller may forward their raw
   * text without stepping them. False is always safe.
   */
  passes?(events: readonly SseEvent[]): boolean;
}

const NO_EVENTS: SemanticEvent[] = Object.freeze([]) as unknown as SemanticEvent[];
const NO_PIECES: AdapterPiece[] = Object.freeze([]) as unknown as AdapterPiece[];

export abstract class BaseAdapter implements StreamAdapter {
  readonly summary: ResponseSummary = emptySummary();
  readonly maskings = new Map<string, number>();
  firstTokenAt: number | null = null;
  private readonly restorers = new Map<string, StreamRestorer>();
  private readonly texts = new Map<string, { m: StreamingMasker | null; out: string; counted: number }>();
  private readonly jsons = new Map<string, ArgChannel>();
  protected readonly calls = new Map<string, ToolCall>();
  /** How each call's input arrives (json by default). */
  private readonly inputs = new Map<string, CallInput>();

  /** Semantic events not yet attached to a piece, and pieces cut during the current event. */
  private unattached: SemanticEvent[] = [];
  private cutPieces: AdapterPiece[] = [];

  /**
   * Whether every text channel's whole output is kept (`textSoFar`): only adapters whose
   * protocol repeats the whole text in a final event need it; the others keep nothing but
   * the record's bounded copy.
   */
  protected readonly keepsChannelText: boolean = false;

  constructor(protected readonly ctx: AdapterContext) {}

  /** One input event: returns the client's raw text for it; synthetic events released before it go through `cut`. */
  protected abstract onEvent(ev: SseEvent): string;
  /** End of stream: the raw text of anything still held. */
  protected abstract finish(): string;

  step(ev: SseEvent): AdapterPiece[] {
    if (ev.oversize === 'first') this.summary.unparsedEvents++;
    return this.collect(this.onEvent(ev));
  }

  end(): AdapterPiece[] {
    return this.collect(this.finish());
  }

  /** Closes a piece of output (with the semantic events since the last one) ahead of the event being processed. */
  protected cut(raw: string) {
    if (raw) this.cutPieces.push({ raw, events: this.unattached.splice(0) });
  }

  private collect(rest: string): AdapterPiece[] {
    // The common case (one output event, no semantic event): no allocation beyond the piece.
    if (this.cutPieces.length === 0 && this.unattached.length === 0) return rest ? [{ raw: rest, events: NO_EVENTS }] : NO_PIECES;
    const out = this.cutPieces;
    this.cutPieces = [];
    if (rest || this.unattached.length) {
      out.push({ raw: rest, events: this.unattached });
      this.unattached = [];
    }
    return out;
  }

  private emit(e: SemanticEvent) {
    this.ctx.onSemantic?.(e);
    this.unattached.push(e);
  }

  protected get masking(): boolean {
    return this.ctx.masker !== null;
  }

  /** Text channel: returns what may be forwarded now. */
  protected text(key: string, input: string): string {
    const ch = this.textChannel(key);
    if (input && this.firstTokenAt === null) this.firstTokenAt = this.now();
    const out = ch.m ? ch.m.push(input) : input;
    this.recordText(key, ch, out);
    return ch.m ? this.restored(key, out, false, false) : out;
  }

  protected flushText(key: string): string {
    const ch = this.texts.get(key);
    if (!ch || !ch.m) return '';
    const out = ch.m.flush();
    this.recordText(key, ch, out);
    return this.restored(key, out, false, true);
  }

  /** Everything forwarded so far on a text channel (masked). */
  protected textSoFar(key: string): string {
    return this.texts.get(key)?.out ?? '';
  }

  protected textKeys(prefix = ''): string[] {
    return [...this.texts.keys()].filter((k) => k.startsWith(prefix));
  }

  /** Tool-call input channel: JSON arguments, or raw text for calls started with input "text". */
  protected args(key: string, input: string): string {
    const ch = this.jsonChannel(key);
    if (input && this.firstTokenAt === null) this.firstTokenAt = this.now();
    const out = ch.m ? ch.m.push(input) : input;
    this.recordArgs(key, ch, out);
    return ch.m ? this.restored(`args:${key}`, out, this.inputs.get(key) !== 'text', false) : out;
  }

  protected flushArgs(key: string): string {
    const ch = this.jsons.get(key);
    if (!ch || !ch.m) return '';
    const out = ch.m.flush();
    this.recordArgs(key, ch, out);
    return this.restored(`args:${key}`, out, this.inputs.get(key) !== 'text', true);
  }

  get restoredForEditor(): RestoreTally {
    const t = { restored: 0, collisions: 0 };
    for (const r of this.restorers.values()) {
      t.restored += r.restored;
      t.collisions += r.collisions;
    }
    return t;
  }

  /** The client's copy of a channel's masked output: our placeholders restored (JSON-escaped in arguments). */
  private restored(key: string, out: string, json: boolean, end: boolean): string {
    const ledger = this.ctx.restore;
    if (!ledger) return out;
    let r = this.restorers.get(key);
    if (!r) {
      if (!out || !out.includes('[')) return out;
      r = new StreamRestorer(ledger, json);
      this.restorers.set(key, r);
    }
    return end ? r.push(out) + r.end() : r.push(out);
  }

  protected argsSoFar(key: string): string {
    return this.jsons.get(key)?.out ?? '';
  }

  protected argKeys(prefix = ''): string[] {
    return [...this.jsons.keys()].filter((k) => k.startsWith(prefix));
  }

  /** Whether a call's input has been streamed at all (some adapters then fall back to a final payload). */
  protected hasArgs(key: string): boolean {
    return this.jsons.has(key);
  }

  protected startCall(key: string, index: number, id: string | null, name: string, input: CallInput = 'json') {
    if (this.calls.has(key)) return;
    const call: ToolCall = { index, id, name, arguments: '' };
    this.calls.set(key, call);
    this.inputs.set(key, input);
    this.summary.toolCalls.push(call);
    this.emit({ kind: 'tool-call-start', index, id, name, input: input === 'text' ? 'text' : 'json' });
  }

  protected hasCall(key: string): boolean {
    return this.calls.has(key);
  }

  /**
   * A call whose input arrives whole (an item judged as a whole, a block's start input):
   * its masked JSON becomes the call's arguments, once, unless input was streamed.
   */
  protected wholeArgs(key: string, value: unknown): string {
    if (this.jsons.has(key)) return this.argsSoFar(key);
    const text = JSON.stringify(this.ctx.masker ? maskDeep(value, this.ctx.masker).value : value);
    const ch: ArgChannel = { m: null, out: '', counted: 0 };
    this.jsons.set(key, ch);
    this.recordArgs(key, ch, text);
    return text;
  }

  protected endCall(key: string) {
    const call = this.calls.get(key);
    if (call) this.emit({ kind: 'tool-call-end', index: call.index });
  }

  protected setFinish(reason: string) {
    this.summary.finishReason = reason;
    this.emit({ kind: 'finish', reason });
  }

  protected setUsage(u: Usage) {
    this.summary.usage = u;
    this.emit({ kind: 'usage', usage: u });
  }

  protected error(message: string) {
    const m = this.ctx.masker ? this.ctx.masker.mask(message).text : message;
    this.summary.errors.push(m);
    this.emit({ kind: 'error', message: m });
  }

  /** A value with every string masked (the same object when nothing was found); findings are counted. */
  protected maskDeepValue<T>(value: T): T {
    if (!this.ctx.masker) return value;
    const r = maskDeep(value, this.ctx.masker);
    for (const f of r.findings) this.tally(f.type, 1);
    return r.value;
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

  private jsonChannel(key: string): ArgChannel {
    let ch = this.jsons.get(key);
    if (!ch) {
      const masker = this.ctx.masker;
      ch = { m: masker ? (this.inputs.get(key) === 'text' ? new TextInputMasker(masker) : new JsonStreamMasker(masker)) : null, out: '', counted: 0 };
      this.jsons.set(key, ch);
    }
    return ch;
  }

  private recordText(key: string, ch: { m: StreamingMasker | null; out: string; counted: number }, out: string) {
    if (this.keepsChannelText) ch.out += out;
    const kind = channelKind(key);
    // The answer text; reasoning and thinking channels are not part of it. Bounded: a huge
    // answer reaches the client whole, the record keeps its start and says how much is missing.
    if (kind === 'answer' && out) {
      const room = MAX_RECORDED_TEXT_CHARS - this.summary.text.length;
      if (room >= out.length) this.summary.text += out;
      else {
        if (room > 0) this.summary.text += out.slice(0, room);
        this.summary.truncatedChars += out.length - Math.max(0, room);
      }
    }
    if (ch.m) {
      for (const f of ch.m.findings.slice(ch.counted)) this.tally(f.type, 1);
      ch.counted = ch.m.findings.length;
    }
    // Other streams (a patch's diff, an unknown text stream) are masked but are neither
    // the answer nor reasoning: not sent to the live view as either.
    if (out && kind !== 'other') this.emit({ kind: 'text', channel: key, text: out });
  }

  private recordArgs(key: string, ch: ArgChannel, out: string) {
    ch.out += out;
    if (ch.m) {
      const types = ch.m.findings;
      for (const t of types.slice(ch.counted)) this.tally(t, 1);
      ch.counted = types.length;
    }
    const call = this.calls.get(key);
    if (call) {
      const room = MAX_RECORDED_TEXT_CHARS - call.arguments.length;
      if (room >= out.length) call.arguments += out;
      else {
        if (room > 0) call.arguments += out.slice(0, room);
        this.summary.truncatedChars += out.length - Math.max(0, room);
      }
      if (out) this.emit({ kind: 'tool-call-delta', index: call.index, text: out });
    }
  }
}

/** A call's input masker: JSON arguments or raw text, with the same face. */
interface InputMasker {
  push(text: string): string;
  flush(): string;
  readonly findings: string[];
}

interface ArgChannel {
  m: InputMasker | null;
  out: string;
  counted: number;
}

/** Raw tool input (custom tools, code): masked as text, like an answer. */
class TextInputMasker implements InputMasker {
  private readonly m: StreamingMasker;
  constructor(masker: Masker) {
    this.m = new StreamingMasker(masker);
  }
  push(text: string): string {
    return this.m.push(text);
  }
  flush(): string {
    return this.m.flush();
  }
  get findings(): string[] {
    return this.m.findings.map((f) => f.type);
  }
}

/**
 * What a text channel is, by its key's prefix: reasoning (`rs:`, `thinking:`), a stream
 * that is neither answer nor reasoning (`diff:`, `x:`), or the answer (everything else:
 * a choice's content, output_text, a refusal).
 */
function channelKind(key: string): 'answer' | 'reasoning' | 'other' {
  if (key.startsWith('rs:') || key.startsWith('thinking:')) return 'reasoning';
  if (key.startsWith('diff:') || key.startsWith('x:')) return 'other';
  return 'answer';
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
