/**
 * What a client makes of a response stream, assembled the way VS Code does: text per
 * choice, tool calls by index (id as fallback), Responses function_call items, Anthropic
 * tool_use blocks. Used to assert on "client-visible content".
 */
import { SseParser } from '../../proxy/protocols/index.js';

export interface Reassembled {
  text: string;
  toolCalls: Array<{ id: string | null; name: string; arguments: string }>;
  finishReason: string | null;
  events: number;
}

export function reassemble(kind: 'chat' | 'completion' | 'responses' | 'messages', body: string): Reassembled {
  const p = new SseParser();
  const events = [...p.push(body), ...p.end()];
  const out: Reassembled = { text: '', toolCalls: [], finishReason: null, events: events.length };
  const byIndex = new Map<string, Reassembled['toolCalls'][number]>();
  for (const ev of events) {
    if (ev.data === null || ev.data.trim() === '[DONE]') continue;
    const o = JSON.parse(ev.data);
    if (kind === 'chat' || kind === 'completion') {
      for (const c of o.choices ?? []) {
        if (kind === 'completion' && typeof c.text === 'string') out.text += c.text;
        const d = c.delta ?? {};
        if (typeof d.content === 'string') out.text += d.content;
        for (const tc of d.tool_calls ?? []) {
          const key = tc.index !== undefined ? `i${tc.index}` : tc.id ? `id${tc.id}` : [...byIndex.keys()].pop()!;
          let call = byIndex.get(key);
          if (!call) {
            call = { id: tc.id ?? null, name: tc.function?.name ?? '', arguments: '' };
            byIndex.set(key, call);
            out.toolCalls.push(call);
          }
          if (tc.function?.name) call.name = tc.function.name;
          if (typeof tc.function?.arguments === 'string') call.arguments += tc.function.arguments;
        }
        if (c.finish_reason) out.finishReason = c.finish_reason;
      }
    } else if (kind === 'responses') {
      if (o.type === 'response.output_text.delta') out.text += o.delta;
      if (o.type === 'response.output_item.added' && o.item?.type === 'function_call') {
        const call = { id: o.item.call_id ?? null, name: o.item.name, arguments: '' };
        byIndex.set(o.item.id, call);
        out.toolCalls.push(call);
      }
      if (o.type === 'response.function_call_arguments.delta') byIndex.get(o.item_id)!.arguments += o.delta;
      if (o.type === 'response.output_item.done' && o.item?.type === 'function_call') {
        const call = byIndex.get(o.item.id)!;
        if (call.arguments !== o.item.arguments) throw new Error(`streamed arguments differ from output_item.done for ${o.item.id}`);
      }
      if (o.type === 'response.completed') out.finishReason = 'completed';
    } else {
      if (o.type === 'content_block_start' && o.content_block?.type === 'tool_use') {
        const call = { id: o.content_block.id, name: o.content_block.name, arguments: '' };
        byIndex.set(String(o.index), call);
        out.toolCalls.push(call);
      }
      if (o.type === 'content_block_delta' && o.delta?.type === 'text_delta') out.text += o.delta.text;
      if (o.type === 'content_block_delta' && o.delta?.type === 'input_json_delta') byIndex.get(String(o.index))!.arguments += o.delta.partial_json;
      if (o.type === 'message_delta' && o.delta?.stop_reason) out.finishReason = o.delta.stop_reason;
    }
  }
  return out;
}

const PLACEHOLDER = /\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\]/;

/**
 * True when `actual` equals `expected` except that some spans of `expected` were replaced
 * by placeholders. Throws with the first point of divergence otherwise.
 */
export function assertSameExceptMasked(actual: string, expected: string): void {
  const parts = actual.split(PLACEHOLDER);
  let rest = expected;
  if (!rest.startsWith(parts[0]!)) throw new Error(`differs before the first placeholder: ${JSON.stringify(parts[0]!.slice(0, 80))}`);
  rest = rest.slice(parts[0]!.length);
  for (const part of parts.slice(1)) {
    const at = part === '' ? rest.length : rest.indexOf(part);
    if (at < 0) throw new Error(`after a placeholder expected ${JSON.stringify(part.slice(0, 60))}`);
    rest = rest.slice(at + part.length);
  }
  if (rest !== '') throw new Error(`missing tail ${JSON.stringify(rest.slice(0, 60))}`);
}
