/**
 * OpenAI-style streaming chat completions (`POST {capi}/chat/completions`, also agent mode
 * and next-edit on the proxy host) and legacy completions (`/v1/engines/{model}/completions`).
 *
 * Every text a client reads is masked per choice with one streaming masker per channel:
 * content, refusal, and reasoning (`reasoning_content`, `reasoning`, `reasoning_text`,
 * `cot_summary`); `reasoning_opaque` is opaque and never altered. Tool calls: `tool_calls`
 * entries of type function (JSON arguments), custom (raw text input) or any other type
 * (judged on its payload), keyed by `index` with `id` as the fallback (VS Code matches by
 * id, else appends to the last call), and the legacy
 * `function_call` delta. Held text is released into the chunk that carries finish_reason,
 * or into one synthetic chunk before `[DONE]`. `prompt_filter_results`, usage-only chunks,
 * copilot_references/copilot_errors and mid-stream `{"error":…}` pass through (masked).
 */
import type { SseEvent } from '../sse.js';
import { encodeEvent } from '../sse.js';
import { chatToolCall, type CallShape } from '../tool-calls.js';
import { BaseAdapter, parseJson, usageFromOpenAi, type AdapterContext } from './base.js';

/** Delta fields that are streamed text besides `content`: answer (refusal) or reasoning. */
const TEXT_FIELDS: ReadonlyArray<{ field: string; key: (ci: number) => string }> = [
  { field: 'refusal', key: (ci) => `refusal:${ci}` },
  { field: 'reasoning_content', key: (ci) => `rs:${ci}:reasoning_content` },
  { field: 'reasoning', key: (ci) => `rs:${ci}:reasoning` },
  { field: 'reasoning_text', key: (ci) => `rs:${ci}:reasoning_text` },
  { field: 'cot_summary', key: (ci) => `rs:${ci}:cot_summary` },
];

export class ChatCompletionsAdapter extends BaseAdapter {
  private lastShape: Record<string, unknown> = {};
  private finished = false;
  private lastCallKey = new Map<number, string>();
  private idToKey = new Map<string, string>();
  private readonly shapes = new Map<string, CallShape>();

  constructor(ctx: AdapterContext, private readonly legacy = false) {
    super(ctx);
  }

  protected onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    if (ev.data.trim() === '[DONE]') {
      this.cut(this.flushAll(ev));
      return ev.raw;
    }
    const obj = parseJson(ev.data) as any;
    if (!obj || typeof obj !== 'object') return this.maskWhole(ev, ev.data);
    if (typeof obj.model === 'string' && obj.model) this.summary.model ??= obj.model;
    for (const k of ['id', 'created', 'model', 'object', 'system_fingerprint']) if (k in obj) this.lastShape[k] = obj[k];
    if (obj.error) this.error(String(obj.error.message ?? JSON.stringify(obj.error)));
    if (obj.usage) {
      const u = usageFromOpenAi(obj.usage);
      if (u) this.setUsage(u);
    }
    if (!Array.isArray(obj.choices)) return this.maskWhole(ev, obj);

    let changed = false;
    const put = (o: any, field: string, out: string) => {
      if (out !== o[field]) {
        o[field] = out;
        changed = true;
      }
    };
    for (const choice of obj.choices) {
      if (!choice || typeof choice !== 'object') continue;
      const ci: number = typeof choice.index === 'number' ? choice.index : 0;
      const tkey = `choice:${ci}`;
      if (this.legacy) {
        if (typeof choice.text === 'string') put(choice, 'text', this.text(tkey, choice.text));
      } else {
        const delta = choice.delta ?? choice.message;
        if (delta && typeof delta === 'object') {
          if (typeof delta.content === 'string') put(delta, 'content', this.text(tkey, delta.content));
          for (const t of TEXT_FIELDS) if (typeof delta[t.field] === 'string') put(delta, t.field, this.text(t.key(ci), delta[t.field]));
          const calls = Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0;
          const legacyCall = delta.function_call && typeof delta.function_call === 'object';
          if (calls || legacyCall) {
            // Text before a tool call goes out now, as its own chunk ahead of the call
            // (so a hold on the call never holds the text).
            const pre = this.flushText(tkey);
            this.cut(pre && encodeEvent(JSON.stringify({ ...this.lastShape, choices: [{ index: ci, delta: { content: pre }, finish_reason: null }] }), ev));
          }
          if (calls) for (const tc of delta.tool_calls) if (tc && typeof tc === 'object' && this.toolCall(ci, tc)) changed = true;
          if (legacyCall && this.functionCall(ci, delta.function_call)) changed = true;
        }
      }
      if (choice.finish_reason) {
        if (this.releaseChoice(ci, choice)) changed = true;
        this.setFinish(String(choice.finish_reason));
      }
    }
    if (obj.copilot_references || obj.copilot_errors || obj.prompt_filter_results) {
      const masked = this.maskWhole(ev, obj, (_p, k) => k === 'choices');
      if (masked !== ev.raw) return masked;
    }
    return changed ? this.reencode(ev, obj) : ev.raw;
  }

  protected finish(): string {
    return this.flushAll(null);
  }

  /** One `tool_calls[]` fragment; true when it was rewritten (masked). */
  private toolCall(ci: number, tc: any): boolean {
    const key = this.callKey(ci, tc);
    if (!this.shapes.has(key)) {
      const shape = chatToolCall(tc)!;
      this.shapes.set(key, shape);
      this.startCall(key, typeof tc.index === 'number' ? tc.index : this.calls.size, typeof tc.id === 'string' ? tc.id : null, shape.name, shape.input);
    }
    const shape = this.shapes.get(key)!;
    if (shape.input === 'item') {
      // A call type this adapter does not know: judged on its payload, masked as a whole.
      const payload = tc[tc.type] ?? tc;
      this.wholeArgs(key, payload);
      if (!this.masking) return false;
      const masked = this.maskDeepValue(payload);
      if (masked === payload) return false;
      if (tc[tc.type]) tc[tc.type] = masked;
      return true;
    }
    const holder = shape.input === 'text' ? tc.custom : tc.function;
    const field = shape.input === 'text' ? 'input' : 'arguments';
    if (!holder || typeof holder[field] !== 'string') return false;
    const out = this.args(key, holder[field]);
    if (out === holder[field]) return false;
    holder[field] = out;
    return true;
  }

  /** The legacy `function_call` delta (one call per choice). */
  private functionCall(ci: number, fc: any): boolean {
    const key = `fn:${ci}`;
    if (!this.shapes.has(key)) {
      this.shapes.set(key, { name: typeof fc.name === 'string' ? fc.name : '', input: 'json', field: 'arguments' });
      this.startCall(key, 0, null, typeof fc.name === 'string' ? fc.name : '');
    }
    if (typeof fc.arguments !== 'string') return false;
    const out = this.args(key, fc.arguments);
    if (out === fc.arguments) return false;
    fc.arguments = out;
    return true;
  }

  private callKey(ci: number, tc: any): string {
    if (typeof tc.index === 'number') {
      const key = `call:${ci}:${tc.index}`;
      if (typeof tc.id === 'string') this.idToKey.set(tc.id, key);
      this.lastCallKey.set(ci, key);
      return key;
    }
    if (typeof tc.id === 'string') {
      const known = this.idToKey.get(tc.id);
      if (known) return known;
      const key = `call:${ci}:id:${tc.id}`;
      this.idToKey.set(tc.id, key);
      this.lastCallKey.set(ci, key);
      return key;
    }
    return this.lastCallKey.get(ci) ?? `call:${ci}:0`;
  }

  /** Releases what a choice holds into the chunk that finishes it. */
  private releaseChoice(ci: number, choice: any): boolean {
    let changed = false;
    const append = (o: any, field: string, rest: string) => {
      o[field] = (typeof o[field] === 'string' ? o[field] : '') + rest;
      changed = true;
    };
    const rest = this.flushText(`choice:${ci}`);
    if (rest) {
      if (this.legacy) append(choice, 'text', rest);
      else append((choice.delta ??= {}), 'content', rest);
    }
    if (!this.legacy) {
      for (const t of TEXT_FIELDS) {
        const tail = this.flushText(t.key(ci));
        if (tail) append((choice.delta ??= {}), t.field, tail);
      }
    }
    for (const key of [...this.calls.keys()].filter((k) => k.startsWith(`call:${ci}:`) || k === `fn:${ci}`)) {
      const tail = this.flushArgs(key);
      this.endCall(key);
      if (!tail) continue;
      const call = this.calls.get(key);
      const shape = this.shapes.get(key);
      choice.delta ??= {};
      if (key.startsWith('fn:')) choice.delta.function_call = { arguments: tail };
      else {
        choice.delta.tool_calls ??= [];
        const body = shape?.input === 'text' ? { custom: { input: tail } } : { function: { arguments: tail } };
        choice.delta.tool_calls.push({ index: call?.index ?? 0, ...(call?.id && key.includes(':id:') ? { id: call.id } : {}), ...body });
      }
      changed = true;
    }
    return changed;
  }

  /** Before [DONE] or at the end: one synthetic chunk with everything still held. */
  private flushAll(like: SseEvent | null): string {
    if (this.finished) return '';
    this.finished = true;
    const choices: any[] = [];
    const indices = new Set([...this.textKeys(), ...this.calls.keys()].map((k) => Number(k.split(':')[1])).filter((n) => Number.isInteger(n)));
    for (const ci of indices) {
      const choice: any = this.legacy ? { index: ci, text: '', finish_reason: null } : { index: ci, delta: {}, finish_reason: null };
      if (this.releaseChoice(ci, choice)) choices.push(choice);
    }
    if (choices.length === 0) return '';
    return encodeEvent(JSON.stringify({ ...this.lastShape, choices }), like ?? { event: null, id: null, eol: '\n' });
  }
}
