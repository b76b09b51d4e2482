/**
 * OpenAI Responses API streams (`POST {capi}/responses`): `event:` + `data:` framing; no
 * [DONE]. Every text a client reads is a masked channel: output_text, refusal, reasoning
 * text and reasoning summaries per (item, part), and any other `*.delta` text stream.
 * Every tool-call shape (tool-calls.ts) is a call: function_call / mcp_call arguments
 * (JSON), custom_tool_call input and code_interpreter code (raw text), and items judged as
 * a whole (local_shell_call, apply_patch_call, computer_call, unknown `*_call` …).
 * Held text is released as one extra delta event, shaped like the stream's own, just
 * before the matching `.done`; every `.done` / `output_item.done` / `completed` payload is
 * rewritten to carry exactly the masked text the client was streamed, and a call whose
 * input arrives only in such a payload is judged on that payload.
 * Opaque fields (`encrypted_content`) are never altered.
 */
import type { SseEvent } from '../sse.js';
import { encodeEvent } from '../sse.js';
import { itemCallPayload, responsesCall, type CallShape } from '../tool-calls.js';
import { BaseAdapter, parseJson, usageFromOpenAi } from './base.js';

/** Text streams with a known `.done` field; any other `*.delta` text stream is masked too, its `.done` as a whole. */
const TEXT_STREAMS: Record<string, { key: (o: any) => string; done: string }> = {
  'response.output_text': { key: (o) => `text:${o.item_id}:${o.content_index ?? 0}`, done: 'text' },
  'response.refusal': { key: (o) => `refusal:${o.item_id}:${o.content_index ?? 0}`, done: 'refusal' },
  'response.reasoning_summary_text': { key: (o) => `rs:${o.item_id}:s${o.summary_index ?? 0}`, done: 'text' },
  'response.reasoning_text': { key: (o) => `rs:${o.item_id}:c${o.content_index ?? 0}`, done: 'text' },
  'response.apply_patch_call_operation_diff': { key: (o) => `diff:${o.item_id}`, done: 'diff' },
};

/** Deltas that carry bytes (base64 audio), not text: masked per event as before. */
const BINARY_STREAMS = new Set(['response.audio.delta']);

/** Identifying fields copied into a synthetic delta. */
const ID_FIELDS = ['item_id', 'output_index', 'content_index', 'summary_index'] as const;

const opaque = (p: string) => p.includes('encrypted_content');

export class ResponsesAdapter extends BaseAdapter {
  // `*.done` events and the final response repeat the whole text: rewritten from what was masked.
  protected override readonly keepsChannelText = true;
  /** Call shape per item id. */
  private readonly shapes = new Map<string, CallShape>();
  /** The latest full item seen for a call judged as a whole, and what it was judged on. */
  private readonly items = new Map<string, any>();
  private readonly judged = new Map<string, Record<string, unknown>>();
  private readonly ended = new Set<string>();
  /** Each channel's delta event: type and identifying fields, to release held text in the same shape. */
  private readonly deltas = new Map<string, { type: string; ids: Record<string, unknown> }>();
  /** The stream's highest sequence number and its response id: an event Witness adds (a failure) continues them. */
  lastSequence: number | null = null;
  responseId: string | null = null;

  protected onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    const obj = parseJson(ev.data) as any;
    if (!obj || typeof obj !== 'object') return this.maskWhole(ev, ev.data);
    const type: string = typeof obj.type === 'string' ? obj.type : (ev.event ?? '');
    if (typeof obj.sequence_number === 'number') this.lastSequence = Math.max(this.lastSequence ?? obj.sequence_number, obj.sequence_number);
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        if (obj.response?.model) this.summary.model ??= obj.response.model;
        if (typeof obj.response?.id === 'string') this.responseId ??= obj.response.id;
        return ev.raw;
      case 'response.output_item.added': {
        const item = obj.item ?? {};
        const shape = responsesCall(item);
        if (shape) this.openCall(item, obj.output_index, shape);
        return this.maskWhole(ev, obj, opaque);
      }
      case 'response.content_part.done':
      case 'response.reasoning_summary_part.done':
        return this.partDone(ev, obj, type);
      case 'response.output_item.done':
        return this.itemDone(ev, obj);
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return this.completed(ev, obj, type);
      case 'error':
        this.error(String(obj.message ?? obj.error?.message ?? 'error'));
        return this.maskWhole(ev, obj);
    }
    if (type.endsWith('.delta') && typeof obj.delta === 'string' && !BINARY_STREAMS.has(type)) return this.delta(ev, obj, type.slice(0, -'.delta'.length));
    if (type.endsWith('.done') && typeof obj.item_id === 'string') return this.streamDone(ev, obj, type.slice(0, -'.done'.length));
    return this.maskWhole(ev, obj, opaque);
  }

  protected finish(): string {
    const out = this.flushEverything(null);
    // A call the stream never finished is judged on what it had.
    for (const key of this.callKeys()) this.closeCall(key);
    return out;
  }

  private callKeys(): string[] {
    return [...this.shapes.keys()].map((id) => `fc:${id}`);
  }

  private openCall(item: any, outputIndex: unknown, shape: CallShape) {
    const id = String(item.id ?? `output-${String(outputIndex)}`);
    const key = `fc:${id}`;
    if (!this.shapes.has(id)) this.shapes.set(id, shape);
    if (shape.input === 'item') this.items.set(key, item);
    this.startCall(key, typeof outputIndex === 'number' ? outputIndex : this.calls.size, item.call_id ?? null, shape.name, shape.input);
  }

  /** One delta of a text stream or a call's input stream. */
  private delta(ev: SseEvent, obj: any, stream: string): string {
    const itemId = obj.item_id;
    let shape = typeof itemId === 'string' ? this.shapes.get(itemId) : undefined;
    if (!shape && typeof itemId === 'string' && CALL_STREAMS[stream]) {
      // Input of a call that was never announced: still a call (its name unknown).
      shape = { name: '', input: CALL_STREAMS[stream]!, stream };
      this.openCall({ id: itemId }, obj.output_index, shape);
    }
    const callInput = shape?.stream === stream;
    const key = callInput ? `fc:${itemId}` : (TEXT_STREAMS[stream]?.key(obj) ?? `x:${stream}:${itemId ?? ''}:${obj.content_index ?? obj.summary_index ?? ''}`);
    if (!this.deltas.has(key)) this.deltas.set(key, { type: `${stream}.delta`, ids: Object.fromEntries(ID_FIELDS.filter((f) => f in obj).map((f) => [f, obj[f]])) });
    const input: string = obj.delta;
    const out = callInput ? this.args(key, input) : this.text(key, input);
    if (out === input) return ev.raw;
    obj.delta = out;
    return this.reencode(ev, obj);
  }

  /** `.done` of a stream: held text first, then the event carrying exactly what was streamed. */
  private streamDone(ev: SseEvent, obj: any, stream: string): string {
    const itemId: string = obj.item_id;
    const shape = this.shapes.get(itemId);
    if (shape?.stream === stream && shape.field) {
      const key = `fc:${itemId}`;
      const pre = this.settleInput(ev, key, shape, obj[shape.field]);
      if (!this.masking) return ev.raw;
      this.cut(pre);
      obj[shape.field] = this.argsSoFar(key);
      return this.reencode(ev, obj);
    }
    const known = TEXT_STREAMS[stream];
    const key = known ? known.key(obj) : `x:${stream}:${itemId}:${obj.content_index ?? obj.summary_index ?? ''}`;
    if (!this.textKeys(key).includes(key)) return this.maskWhole(ev, obj, opaque);
    const pre = this.syntheticText(ev, key);
    if (!this.masking) return ev.raw;
    this.cut(pre);
    if (!known) return this.maskWhole(ev, obj, opaque);
    obj[known.done] = this.textSoFar(key);
    return this.reencode(ev, obj);
  }

  /** content_part.done / reasoning_summary_part.done: the part's text as streamed. */
  private partDone(ev: SseEvent, obj: any, type: string): string {
    const part = obj.part ?? {};
    const key =
      type === 'response.reasoning_summary_part.done'
        ? `rs:${obj.item_id}:s${obj.summary_index ?? 0}`
        : part.type === 'refusal'
          ? `refusal:${obj.item_id}:${obj.content_index ?? 0}`
          : part.type === 'reasoning_text'
            ? `rs:${obj.item_id}:c${obj.content_index ?? 0}`
            : `text:${obj.item_id}:${obj.content_index ?? 0}`;
    const field = part.type === 'refusal' ? 'refusal' : 'text';
    const pre = this.syntheticText(ev, key);
    if (!this.masking) return ev.raw;
    this.cut(pre);
    const replaced = new Set<string>();
    if (typeof part[field] === 'string' && this.textKeys(key).includes(key)) {
      part[field] = this.textSoFar(key);
      replaced.add(`part.${field}`);
    }
    return this.maskAndEncode(ev, obj, (p) => opaque(p) || replaced.has(p));
  }

  private itemDone(ev: SseEvent, obj: any): string {
    const item = obj.item ?? {};
    let pre = '';
    const id = String(item.id);
    for (const k of this.textKeys().filter((k) => k.split(':')[k.startsWith('x:') ? 2 : 1] === id)) pre += this.syntheticText(ev, k);
    // The item's held text is its own piece: a call that starts with this event starts after it.
    this.cut(pre);
    pre = '';
    const shape = responsesCall(item);
    if (shape) {
      if (!this.shapes.has(id)) this.openCall(item, obj.output_index, shape);
      const key = `fc:${id}`;
      if (shape.input === 'item') this.items.set(key, item);
      pre += this.settleInput(ev, key, shape, shape.field ? item[shape.field] : undefined);
      this.closeCall(key);
    }
    this.cut(pre);
    if (!this.masking) return ev.raw;
    const replaced = new Set<string>();
    this.rewriteItem(item, 'item', replaced);
    return this.maskAndEncode(ev, obj, (p) => opaque(p) || replaced.has(p));
  }

  private completed(ev: SseEvent, obj: any, type: string): string {
    const r = obj.response ?? {};
    if (r.model) this.summary.model ??= r.model;
    const u = usageFromOpenAi(r.usage);
    if (u) this.setUsage(u);
    const output: any[] = Array.isArray(r.output) ? r.output : [];
    this.cut(this.flushEverything(ev));
    // Calls that only the final response carries (or carries whole) are calls all the same.
    output.forEach((item, i) => {
      const shape = responsesCall(item);
      if (!shape) return;
      const key = `fc:${String(item.id ?? `output-${i}`)}`;
      if (!this.hasCall(key)) this.openCall(item, i, shape);
      if (shape.input === 'item' && !this.ended.has(key)) this.items.set(key, item);
      this.settleInput(null, key, shape, shape.field ? item[shape.field] : undefined);
      this.closeCall(key);
    });
    this.setFinish(type === 'response.completed' ? (this.summary.toolCalls.length ? 'tool_calls' : 'stop') : type.slice('response.'.length));
    if (r.error?.message) this.error(String(r.error.message));
    if (!this.masking) return ev.raw;
    const replaced = new Set<string>();
    output.forEach((item, i) => this.rewriteItem(item, `response.output[${i}]`, replaced));
    return this.maskAndEncode(ev, obj, (p) => opaque(p) || replaced.has(p));
  }

  /**
   * Brings a call's input to its final state: held input is released as one more delta
   * (returned); input that was never streamed but arrives whole (`value`) goes through the
   * masker as one piece, so policy judges what the client will run.
   */
  private settleInput(like: SseEvent | null, key: string, shape: CallShape, value: unknown): string {
    if (shape.input === 'item') return '';
    if (this.hasArgs(key)) return like ? this.syntheticArgs(like, key) : '';
    if (typeof value === 'string' && value.length > 0) {
      this.args(key, value);
      this.flushArgs(key);
    }
    return '';
  }

  /** Ends a call once; a call judged as a whole is judged on its latest item. */
  private closeCall(key: string) {
    if (this.ended.has(key) || !this.hasCall(key)) return;
    this.ended.add(key);
    const item = this.items.get(key);
    if (item) {
      const payload = itemCallPayload(item);
      const text = this.wholeArgs(key, payload);
      this.judged.set(key, JSON.parse(text) as Record<string, unknown>);
    }
    this.endCall(key);
  }

  /** Releases a held text channel as one extra delta event, shaped like the stream's own. */
  private syntheticText(like: SseEvent, key: string): string {
    const rest = this.flushText(key);
    if (!rest) return '';
    return this.synthetic(like, key, rest);
  }

  private syntheticArgs(like: SseEvent, key: string): string {
    const rest = this.flushArgs(key);
    if (!rest) return '';
    return this.synthetic(like, key, rest);
  }

  private synthetic(like: SseEvent, key: string, delta: string): string {
    const shape = this.deltas.get(key);
    const type = shape?.type ?? 'response.output_text.delta';
    const body = { type, ...shape?.ids, delta };
    return encodeEvent(JSON.stringify(body), { event: like.event === null ? null : type, id: null, eol: like.eol });
  }

  private flushEverything(like: SseEvent | null): string {
    const l = like ?? { raw: '', event: 'x', data: null, id: null, eol: '\n' };
    let out = '';
    for (const k of this.textKeys()) out += this.syntheticText(l, k);
    for (const k of this.argKeys()) out += this.syntheticArgs(l, k);
    return out;
  }

  /** Puts the masked, streamed text (and the judged input) into a full output item; records which paths it set. */
  private rewriteItem(item: any, base: string, replaced: Set<string>) {
    if (!item || typeof item !== 'object') return;
    const id = String(item.id);
    const set = (path: string, apply: () => void) => {
      apply();
      replaced.add(`${base}.${path}`);
    };
    const shape = responsesCall(item);
    const key = `fc:${id}`;
    if (shape?.field && this.hasArgs(key) && typeof item[shape.field] === 'string') set(shape.field, () => (item[shape.field!] = this.argsSoFar(key)));
    if (shape?.input === 'item' && this.judged.has(key)) {
      // The client runs what policy judged, whatever a later copy of the item says.
      for (const k of Object.keys(itemCallPayload(item))) delete item[k];
      Object.assign(item, structuredClone(this.judged.get(key)));
      for (const k of Object.keys(this.judged.get(key)!)) replaced.add(`${base}.${k}`);
    } else if (item.operation && typeof item.operation.diff === 'string' && this.textKeys(`diff:${id}`).length) {
      set('operation.diff', () => (item.operation.diff = this.textSoFar(`diff:${id}`)));
    }
    const parts = (list: unknown, path: string, keyOf: (i: number, part: any) => string | null) => {
      if (!Array.isArray(list)) return;
      list.forEach((part: any, i: number) => {
        if (!part || typeof part !== 'object') return;
        const k = keyOf(i, part);
        const field = part.type === 'refusal' ? 'refusal' : 'text';
        if (k && typeof part[field] === 'string' && this.textKeys(k).includes(k)) set(`${path}[${i}].${field}`, () => (part[field] = this.textSoFar(k)));
      });
    };
    if (item.type === 'message') parts(item.content, 'content', (i, part) => (part.type === 'refusal' ? `refusal:${id}:${i}` : `text:${id}:${i}`));
    if (item.type === 'reasoning') {
      parts(item.summary, 'summary', (i) => `rs:${id}:s${i}`);
      parts(item.content, 'content', (i) => `rs:${id}:c${i}`);
    }
  }
}

/** Input streams of calls, by event prefix, for a delta whose item was never announced. */
const CALL_STREAMS: Record<string, 'json' | 'text'> = {
  'response.function_call_arguments': 'json',
  'response.mcp_call_arguments': 'json',
  'response.custom_tool_call_input': 'text',
  'response.code_interpreter_call_code': 'text',
};
