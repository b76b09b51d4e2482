/**
 * OpenAI Responses API streams (`POST {capi}/responses`): `event:` + `data:` framing,
 * output_text deltas per (item, content part), function_call argument deltas per item,
 * reasoning summaries; no [DONE]. Held text is released as one extra delta event just
 * before the matching `.done` event, and every `.done`/`output_item.done`/`completed`
 * payload is rewritten to carry exactly the masked text the client was streamed.
 */
import type { SseEvent } from '../sse.js';
import { encodeEvent } from '../sse.js';
import { BaseAdapter, parseJson, usageFromOpenAi } from './base.js';

export class ResponsesAdapter extends BaseAdapter {
  private readonly itemKinds = new Map<string, string>();

  onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    const obj = parseJson(ev.data) as any;
    if (!obj || typeof obj !== 'object') return this.maskWhole(ev, ev.data);
    const type: string = obj.type ?? ev.event ?? '';
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        if (obj.response?.model) this.summary.model ??= obj.response.model;
        return ev.raw;
      case 'response.output_item.added': {
        const item = obj.item ?? {};
        if (item.id) this.itemKinds.set(item.id, item.type);
        if (item.type === 'function_call' || item.type === 'custom_tool_call') {
          this.startCall(`fc:${item.id}`, obj.output_index ?? this.calls.size, item.call_id ?? null, item.name ?? '');
        }
        return this.maskWhole(ev, obj, (p) => p.startsWith('item.encrypted_content'));
      }
      case 'response.output_text.delta':
        return this.delta(ev, obj, `text:${obj.item_id}:${obj.content_index ?? 0}`, 'text');
      case 'response.reasoning_summary_text.delta':
        return this.delta(ev, obj, `rs:${obj.item_id}:${obj.summary_index ?? 0}`, 'text');
      case 'response.function_call_arguments.delta':
        return this.delta(ev, obj, `fc:${obj.item_id}`, 'args');
      case 'response.output_text.done': {
        const key = `text:${obj.item_id}:${obj.content_index ?? 0}`;
        return this.done(ev, obj, key, 'text', (o, v) => (o.text = v));
      }
      case 'response.reasoning_summary_text.done': {
        const key = `rs:${obj.item_id}:${obj.summary_index ?? 0}`;
        return this.done(ev, obj, key, 'text', (o, v) => (o.text = v));
      }
      case 'response.reasoning_summary_part.done': {
        const key = `rs:${obj.item_id}:${obj.summary_index ?? 0}`;
        return this.done(ev, obj, key, 'text', (o, v) => o.part && (o.part.text = v));
      }
      case 'response.content_part.done': {
        const key = `text:${obj.item_id}:${obj.content_index ?? 0}`;
        return this.done(ev, obj, key, 'text', (o, v) => o.part && typeof o.part.text === 'string' && (o.part.text = v));
      }
      case 'response.function_call_arguments.done': {
        const key = `fc:${obj.item_id}`;
        return this.done(ev, obj, key, 'args', (o, v) => (o.arguments = v));
      }
      case 'response.output_item.done': {
        const item = obj.item ?? {};
        let pre = '';
        for (const k of [...this.textKeys(`text:${item.id}:`), ...this.textKeys(`rs:${item.id}:`)]) pre += this.syntheticText(ev, k);
        if (this.argKeys(`fc:${item.id}`).length) pre += this.syntheticArgs(ev, `fc:${item.id}`);
        this.endCall(`fc:${item.id}`);
        if (!this.masking) return ev.raw;
        this.rewriteItem(item);
        return pre + this.maskAndEncode(ev, obj, (p) => p.includes('encrypted_content') || p === 'item.arguments' || /^item\.content\[\d+\]\.text$/.test(p));
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const r = obj.response ?? {};
        if (r.model) this.summary.model ??= r.model;
        const u = usageFromOpenAi(r.usage);
        if (u) this.setUsage(u);
        this.setFinish(type === 'response.completed' ? (this.summary.toolCalls.length ? 'tool_calls' : 'stop') : type.slice('response.'.length));
        if (r.error?.message) this.error(String(r.error.message));
        const pre = this.flushEverything(ev);
        if (!this.masking) return pre + ev.raw;
        for (const item of Array.isArray(r.output) ? r.output : []) this.rewriteItem(item);
        return pre + this.maskAndEncode(ev, obj, (p) => p.includes('encrypted_content') || /arguments$|content\[\d+\]\.text$/.test(p));
      }
      case 'error':
        this.error(String(obj.message ?? obj.error?.message ?? 'error'));
        return this.maskWhole(ev, obj);
      default:
        return this.maskWhole(ev, obj, (p) => p.includes('encrypted_content'));
    }
  }

  finish(): string {
    return this.flushEverything(null);
  }

  private delta(ev: SseEvent, obj: any, key: string, kind: 'text' | 'args'): string {
    const input = typeof obj.delta === 'string' ? obj.delta : '';
    const out = kind === 'text' ? this.text(key, input) : this.args(key, input);
    if (out === input) return ev.raw;
    obj.delta = out;
    return this.reencode(ev, obj);
  }

  private done(ev: SseEvent, obj: any, key: string, kind: 'text' | 'args', set: (o: any, v: string) => void): string {
    const pre = kind === 'text' ? this.syntheticText(ev, key) : this.syntheticArgs(ev, key);
    if (!this.masking) return ev.raw;
    set(obj, kind === 'text' ? this.textSoFar(key) : this.argsSoFar(key));
    return pre + this.reencode(ev, obj);
  }

  /** Releases a held text channel as one extra delta event, shaped like the stream's own. */
  private syntheticText(like: SseEvent, key: string): string {
    const rest = this.flushText(key);
    if (!rest) return '';
    const [kind, itemId, idx] = key.split(':');
    const type = kind === 'rs' ? 'response.reasoning_summary_text.delta' : 'response.output_text.delta';
    const body: any = { type, item_id: itemId, delta: rest };
    if (kind === 'rs') body.summary_index = Number(idx);
    else body.content_index = Number(idx);
    return encodeEvent(JSON.stringify(body), { event: like.event === null ? null : type, id: null, eol: like.eol });
  }

  private syntheticArgs(like: SseEvent, key: string): string {
    const rest = this.flushArgs(key);
    if (!rest) return '';
    const type = 'response.function_call_arguments.delta';
    const body = { type, item_id: key.slice(3), delta: rest };
    return encodeEvent(JSON.stringify(body), { event: like.event === null ? null : type, id: null, eol: like.eol });
  }

  private flushEverything(like: SseEvent | null): string {
    const l = like ?? { raw: '', event: 'x', data: null, id: null, eol: '\n' };
    let out = '';
    for (const k of this.textKeys()) out += this.syntheticText(l, k);
    for (const k of this.argKeys()) out += this.syntheticArgs(l, k);
    return out;
  }

  /** Puts the masked, streamed text into a full output item. */
  private rewriteItem(item: any) {
    if (!item || typeof item !== 'object') return;
    if (item.type === 'function_call' && this.argKeys(`fc:${item.id}`).length) item.arguments = this.argsSoFar(`fc:${item.id}`);
    if (item.type === 'message' && Array.isArray(item.content)) {
      item.content.forEach((part: any, i: number) => {
        const key = `text:${item.id}:${i}`;
        if (part && typeof part.text === 'string' && this.textKeys(key).length) part.text = this.textSoFar(key);
      });
    }
  }
}
