/**
 * OpenAI-style streaming chat completions (`POST {capi}/chat/completions`, also agent mode
 * and next-edit on the proxy host) and legacy completions (`/v1/engines/{model}/completions`).
 *
 * Text is masked per choice; tool-call arguments per call, keyed by `index` with `id` as
 * the fallback (VS Code matches by id, else appends to the last call). Held text is released into the chunk that carries finish_reason, or into one
 * synthetic chunk before `[DONE]`. `prompt_filter_results`, usage-only chunks,
 * copilot_references/copilot_errors and mid-stream `{"error":…}` pass through (masked).
 */
import type { SseEvent } from '../sse.js';
import { encodeEvent } from '../sse.js';
import { BaseAdapter, parseJson, usageFromOpenAi, type AdapterContext } from './base.js';

export class ChatCompletionsAdapter extends BaseAdapter {
  private lastShape: Record<string, unknown> = {};
  private finished = false;
  private lastCallKey = new Map<number, string>();
  private idToKey = new Map<string, string>();

  constructor(ctx: AdapterContext, private readonly legacy = false) {
    super(ctx);
  }

  onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    if (ev.data.trim() === '[DONE]') return this.flushAll(ev) + ev.raw;
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
    let prefix = '';
    for (const choice of obj.choices) {
      const ci: number = typeof choice.index === 'number' ? choice.index : 0;
      const tkey = `choice:${ci}`;
      if (this.legacy) {
        if (typeof choice.text === 'string') {
          const out = this.text(tkey, choice.text);
          if (out !== choice.text) {
          choice.text = out;
          changed = true;
        }
        }
      } else {
        const delta = choice.delta ?? choice.message;
        if (delta && typeof delta === 'object') {
          if (typeof delta.content === 'string') {
            const out = this.text(tkey, delta.content);
            if (out !== delta.content) {
          delta.content = out;
          changed = true;
        }
          }
          if (Array.isArray(delta.tool_calls)) {
            // Text before a tool call goes out now, as its own chunk ahead of the call
            // (so a hold on the call never holds the text).
            const pre = this.flushText(tkey);
            if (pre) prefix += encodeEvent(JSON.stringify({ ...this.lastShape, choices: [{ index: ci, delta: { content: pre }, finish_reason: null }] }), ev);
            for (const tc of delta.tool_calls) {
              const key = this.callKey(ci, tc);
              const fn = tc.function ?? {};
              if (typeof fn.name === 'string' || typeof tc.id === 'string') {
                this.startCall(key, typeof tc.index === 'number' ? tc.index : this.calls.size, tc.id ?? null, fn.name ?? '');
              }
              if (typeof fn.arguments === 'string') {
                const out = this.args(key, fn.arguments);
                if (out !== fn.arguments) {
          fn.arguments = out;
          changed = true;
        }
              }
            }
          }
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
    return prefix + (changed ? this.reencode(ev, obj) : ev.raw);
  }

  finish(): string {
    return this.flushAll(null);
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
    const rest = this.flushText(`choice:${ci}`);
    if (rest) {
      if (this.legacy) choice.text = (choice.text ?? '') + rest;
      else {
        choice.delta ??= {};
        choice.delta.content = (typeof choice.delta.content === 'string' ? choice.delta.content : '') + rest;
      }
      changed = true;
    }
    for (const key of this.argKeys(`call:${ci}:`)) {
      const tail = this.flushArgs(key);
      this.endCall(key);
      if (!tail) continue;
      const call = this.calls.get(key);
      choice.delta ??= {};
      choice.delta.tool_calls ??= [];
      choice.delta.tool_calls.push({ index: call?.index ?? 0, ...(call?.id && typeof call.index !== 'number' ? { id: call.id } : {}), function: { arguments: tail } });
      changed = true;
    }
    return changed;
  }

  /** Before [DONE] or at the end: one synthetic chunk with everything still held. */
  private flushAll(like: SseEvent | null): string {
    if (this.finished) return '';
    this.finished = true;
    const choices: any[] = [];
    const indices = new Set([...this.textKeys('choice:'), ...this.argKeys('call:')].map((k) => Number(k.split(':')[1])));
    for (const ci of indices) {
      const choice: any = this.legacy ? { index: ci, text: '', finish_reason: null } : { index: ci, delta: {}, finish_reason: null };
      if (this.releaseChoice(ci, choice)) choices.push(choice);
    }
    if (choices.length === 0) return '';
    return encodeEvent(JSON.stringify({ ...this.lastShape, choices }), like ?? { event: null, id: null, eol: '\n' });
  }
}
