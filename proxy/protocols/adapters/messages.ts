/**
 * Anthropic Messages streams (`POST {capi}/v1/messages`): content blocks of type text,
 * thinking and tool_use (arguments as `input_json_delta.partial_json`). Held text is
 * released as one extra `content_block_delta` just before `content_block_stop`.
 */
import type { SseEvent } from '../sse.js';
import { encodeEvent } from '../sse.js';
import { BaseAdapter, parseJson, usageFromOpenAi } from './base.js';

export class MessagesAdapter extends BaseAdapter {
  private readonly blocks = new Map<number, string>();

  onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    if (ev.data.trim() === '[DONE]') return this.finish() + ev.raw; // tolerated by VS Code
    const obj = parseJson(ev.data) as any;
    if (!obj || typeof obj !== 'object') return this.maskWhole(ev, ev.data);
    const type: string = obj.type ?? ev.event ?? '';
    switch (type) {
      case 'message_start': {
        const m = obj.message ?? {};
        if (m.model) this.summary.model ??= m.model;
        return ev.raw;
      }
      case 'content_block_start': {
        const b = obj.content_block ?? {};
        const i: number = obj.index ?? 0;
        this.blocks.set(i, b.type);
        if (b.type === 'tool_use' || b.type === 'server_tool_use') this.startCall(`tool:${i}`, i, b.id ?? null, b.name ?? '');
        return this.maskWhole(ev, obj);
      }
      case 'content_block_delta': {
        const i: number = obj.index ?? 0;
        const d = obj.delta ?? {};
        let field: 'text' | 'partial_json' | 'thinking' | null = null;
        if (d.type === 'text_delta') field = 'text';
        else if (d.type === 'input_json_delta') field = 'partial_json';
        else if (d.type === 'thinking_delta') field = 'thinking';
        if (!field || typeof d[field] !== 'string') return ev.raw; // signature_delta and others: opaque
        const input: string = d[field];
        const out = field === 'partial_json' ? this.args(`tool:${i}`, input) : this.text(`${field}:${i}`, input);
        if (out === input) return ev.raw;
        d[field] = out;
        return this.reencode(ev, obj);
      }
      case 'content_block_stop': {
        const i: number = obj.index ?? 0;
        const pre = this.release(ev, i);
        this.endCall(`tool:${i}`);
        return pre + ev.raw;
      }
      case 'message_delta': {
        if (obj.delta?.stop_reason) this.setFinish(String(obj.delta.stop_reason));
        const u = usageFromOpenAi(obj.usage);
        if (u) this.setUsage(u);
        return ev.raw;
      }
      case 'message_stop':
        return this.finish() + ev.raw;
      case 'error':
        this.error(String(obj.error?.message ?? obj.message ?? 'error'));
        return this.maskWhole(ev, obj);
      default:
        return this.maskWhole(ev, obj);
    }
  }

  finish(): string {
    let out = '';
    for (const i of this.blocks.keys()) out += this.release(null, i);
    return out;
  }

  private release(like: SseEvent | null, i: number): string {
    const kind = this.blocks.get(i);
    let body: any = null;
    if (kind === 'tool_use' || kind === 'server_tool_use') {
      const rest = this.flushArgs(`tool:${i}`);
      if (rest) body = { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: rest } };
    } else {
      const field = kind === 'thinking' ? 'thinking' : 'text';
      const rest = this.flushText(`${field}:${i}`);
      if (rest) body = { type: 'content_block_delta', index: i, delta: { type: `${field}_delta`, [field]: rest } };
    }
    if (!body) return '';
    return encodeEvent(JSON.stringify(body), { event: like?.event === null ? null : 'content_block_delta', id: null, eol: like?.eol ?? '\n' });
  }
}
