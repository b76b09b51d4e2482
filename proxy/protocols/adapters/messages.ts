/**
 * Anthropic Messages streams (`POST {capi}/v1/messages`): content blocks of type text,
 * thinking, and calls (tool_use, server_tool_use, mcp_tool_use, and any unknown block
 * that looks like one: tool-calls.ts), whose input streams as `input_json_delta`. Text and
 * thinking deltas are masked per block with a streaming masker, call input with the JSON
 * masker; a call whose input comes whole in its start block is judged on that input.
 * Signatures (`signature_delta`, `signature`) and redacted thinking `data` are opaque and
 * never altered. Held text is released as one extra `content_block_delta` just before
 * `content_block_stop`.
 */
import type { SseEvent } from '../sse.js';
import { encodeEvent } from '../sse.js';
import { messagesCall } from '../tool-calls.js';
import { BaseAdapter, parseJson, usageFromOpenAi } from './base.js';

/** Fields that are opaque to us (cryptographic signatures, redacted thinking, base64 media). */
const opaque = (_p: string, k: string) => k === 'signature' || k === 'data';

interface Block {
  type: string;
  call: boolean;
  /** The input a call block started with (`{}` unless the input came whole). */
  input: unknown;
}

export class MessagesAdapter extends BaseAdapter {
  private readonly blocks = new Map<number, Block>();

  protected onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    if (ev.data.trim() === '[DONE]') return this.after(this.finish(), ev.raw); // tolerated by VS Code
    const obj = parseJson(ev.data) as any;
    if (!obj || typeof obj !== 'object') return this.maskWhole(ev, ev.data);
    const type: string = obj.type ?? ev.event ?? '';
    switch (type) {
      case 'message_start': {
        const m = obj.message ?? {};
        if (m.model) this.summary.model ??= m.model;
        return this.maskWhole(ev, obj, opaque);
      }
      case 'content_block_start': {
        const b = obj.content_block ?? {};
        const i: number = obj.index ?? 0;
        const call = messagesCall(b);
        this.blocks.set(i, { type: String(b.type ?? ''), call: call !== null, input: b.input });
        if (call) this.startCall(`tool:${i}`, i, b.id ?? null, call.name, 'json');
        return this.maskWhole(ev, obj, opaque);
      }
      case 'content_block_delta': {
        const i: number = obj.index ?? 0;
        const d = obj.delta ?? {};
        let field: 'text' | 'partial_json' | 'thinking' | null = null;
        if (d.type === 'text_delta') field = 'text';
        else if (d.type === 'input_json_delta') field = 'partial_json';
        else if (d.type === 'thinking_delta') field = 'thinking';
        // The signature closes the thinking: what is held of it goes out first.
        if (d.type === 'signature_delta') return this.after(this.release(ev, i), ev.raw);
        if (!field || typeof d[field] !== 'string') return this.maskWhole(ev, obj, opaque); // citations and others
        if (field === 'partial_json' && !this.blocks.get(i)?.call) {
          // Call input for a block that was never announced as a call: a call all the same.
          this.blocks.set(i, { type: this.blocks.get(i)?.type ?? '', call: true, input: undefined });
          this.startCall(`tool:${i}`, i, null, '', 'json');
        }
        const input: string = d[field];
        const out = field === 'partial_json' ? this.args(`tool:${i}`, input) : this.text(`${field}:${i}`, input);
        if (out === input) return ev.raw;
        d[field] = out;
        return this.reencode(ev, obj);
      }
      case 'content_block_stop': {
        const i: number = obj.index ?? 0;
        this.cut(this.release(ev, i));
        const b = this.blocks.get(i);
        // No input streamed: the client keeps the input the block started with.
        if (b?.call && !this.hasArgs(`tool:${i}`) && b.input && typeof b.input === 'object' && Object.keys(b.input).length > 0) this.wholeArgs(`tool:${i}`, b.input);
        this.endCall(`tool:${i}`);
        return ev.raw;
      }
      case 'message_delta': {
        if (obj.delta?.stop_reason) this.setFinish(String(obj.delta.stop_reason));
        const u = usageFromOpenAi(obj.usage);
        if (u) this.setUsage(u);
        return ev.raw;
      }
      case 'message_stop':
        return this.after(this.finish(), ev.raw);
      case 'error':
        this.error(String(obj.error?.message ?? obj.message ?? 'error'));
        return this.maskWhole(ev, obj);
      default:
        return this.maskWhole(ev, obj, opaque);
    }
  }

  protected finish(): string {
    let out = '';
    for (const i of this.blocks.keys()) out += this.release(null, i);
    return out;
  }

  /** Released text as its own piece, then the event. */
  private after(released: string, raw: string): string {
    this.cut(released);
    return raw;
  }

  private release(like: SseEvent | null, i: number): string {
    const b = this.blocks.get(i);
    let body: any = null;
    if (b?.call) {
      const rest = this.flushArgs(`tool:${i}`);
      if (rest) body = { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: rest } };
    } else {
      const field = b?.type === 'thinking' ? 'thinking' : 'text';
      const rest = this.flushText(`${field}:${i}`);
      if (rest) body = { type: 'content_block_delta', index: i, delta: { type: `${field}_delta`, [field]: rest } };
    }
    if (!body) return '';
    return encodeEvent(JSON.stringify(body), { event: like?.event === null ? null : 'content_block_delta', id: null, eol: like?.eol ?? '\n' });
  }
}
