/**
 * Rewriting a held stream tail when tool calls are denied: the denied calls are dropped,
 * an assistant message says what was blocked and by which rule, and the stream ends the
 * way the client's protocol expects (finish_reason "stop", response.completed,
 * message_stop), so the IDE shows the message instead of failing.
 */
import { encodeEvent, messagesCall, responsesCall, SseParser, type SseEvent } from '../protocols/index.js';
import type { EndpointKind } from '../protocols/index.js';

export function rewriteDenied(kind: EndpointKind, held: string, denied: Set<number>, message: string): string {
  const p = new SseParser();
  const events = [...p.push(held), ...p.end()];
  switch (kind) {
    case 'responses':
      return rewriteResponses(events, denied, message);
    case 'messages':
      return rewriteMessages(events, denied, message);
    default:
      return rewriteChat(events, denied, message);
  }
}

function json(ev: SseEvent): any {
  try {
    return ev.data === null ? null : JSON.parse(ev.data);
  } catch {
    return null;
  }
}

function rewriteChat(events: SseEvent[], denied: Set<number>, message: string): string {
  let out = '';
  let explained = false;
  const shape: Record<string, unknown> = {};
  let allowedCalls = 0;
  const explain = (like: SseEvent) => {
    explained = true;
    return encodeEvent(JSON.stringify({ ...shape, choices: [{ index: 0, delta: { role: 'assistant', content: message }, finish_reason: null }] }), like);
  };
  for (const ev of events) {
    if (ev.data?.trim() === '[DONE]') {
      if (!explained) out += explain(ev) + encodeEvent(JSON.stringify({ ...shape, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), ev);
      out += ev.raw;
      continue;
    }
    const o = json(ev);
    if (!o || !Array.isArray(o.choices)) {
      out += ev.raw;
      continue;
    }
    for (const k of ['id', 'created', 'model', 'object']) if (k in o) shape[k] = o[k];
    let finishing = false;
    for (const c of o.choices) {
      const d = c.delta ?? {};
      if (Array.isArray(d.tool_calls)) {
        d.tool_calls = d.tool_calls.filter((tc: any) => !denied.has(tc.index ?? 0));
        allowedCalls += d.tool_calls.filter((tc: any) => tc.id || tc.function?.name || tc.custom?.name).length;
        if (d.tool_calls.length === 0) delete d.tool_calls;
      }
      // The legacy function_call is the choice's one call (index 0).
      if (d.function_call && typeof d.function_call === 'object') {
        if (denied.has(0)) delete d.function_call;
        else if (d.function_call.name) allowedCalls++;
      }
      if (c.finish_reason) {
        finishing = true;
        if (c.finish_reason === 'tool_calls' && allowedCalls === 0) c.finish_reason = 'stop';
      }
    }
    if (finishing && !explained) out += explain(ev);
    out += encodeEvent(JSON.stringify(o), ev);
  }
  if (!explained) out += explain({ raw: '', event: null, data: null, id: null, eol: '\n' }) + encodeEvent(JSON.stringify({ ...shape, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })) + 'data: [DONE]\n\n';
  return out;
}

function rewriteResponses(events: SseEvent[], denied: Set<number>, message: string): string {
  const deniedIds = new Set<string>();
  for (const ev of events) {
    const o = json(ev);
    if ((o?.type === 'response.output_item.added' || o?.type === 'response.output_item.done') && denied.has(o.output_index) && responsesCall(o.item) && o.item?.id) deniedIds.add(o.item.id);
    // A call only the final response carries: its index is its place in `output`.
    if (/^response\.(?:completed|incomplete|failed)$/.test(o?.type) && Array.isArray(o.response?.output)) {
      o.response.output.forEach((item: any, i: number) => {
        if (denied.has(i) && responsesCall(item) && item?.id) deniedIds.add(item.id);
      });
    }
  }
  let out = '';
  let explained = false;
  let seq = 0;
  const explanation = (like: SseEvent, outputIndex: number) => {
    explained = true;
    const item = { id: 'msg_witness_denied', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: message, annotations: [] }] };
    const ev = (type: string, body: object) => encodeEvent(JSON.stringify({ type, ...body, sequence_number: seq++ }), { event: like.event === null ? null : type, id: null, eol: like.eol });
    return (
      ev('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } }) +
      ev('response.output_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta: message }) +
      ev('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text: message }) +
      ev('response.output_item.done', { output_index: outputIndex, item })
    );
  };
  let maxIndex = -1;
  for (const ev of events) {
    const o = json(ev);
    if (!o) {
      out += ev.raw;
      continue;
    }
    if (typeof o.sequence_number === 'number') seq = Math.max(seq, o.sequence_number + 1);
    if (typeof o.output_index === 'number') maxIndex = Math.max(maxIndex, o.output_index);
    const itemId = o.item_id ?? o.item?.id;
    if (itemId && deniedIds.has(itemId)) continue;
    if (o.type === 'response.completed' || o.type === 'response.incomplete') {
      if (!explained) out += explanation(ev, maxIndex + 1);
      if (Array.isArray(o.response?.output)) {
        o.response.output = o.response.output.filter((i: any) => !deniedIds.has(i.id));
        o.response.output.push({ id: 'msg_witness_denied', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: message, annotations: [] }] });
      }
      o.sequence_number = seq++;
      out += encodeEvent(JSON.stringify(o), ev);
      continue;
    }
    out += ev.raw;
  }
  if (!explained) out += explanation({ raw: '', event: 'x', data: null, id: null, eol: '\n' }, maxIndex + 1);
  return out;
}

function rewriteMessages(events: SseEvent[], denied: Set<number>, message: string): string {
  let out = '';
  let explained = false;
  let maxIndex = -1;
  let toolBlocksKept = 0;
  const explanation = (like: SseEvent) => {
    explained = true;
    const i = maxIndex + 1;
    const ev = (type: string, body: object) => encodeEvent(JSON.stringify({ type, ...body }), { event: like.event === null ? null : type, id: null, eol: like.eol });
    return ev('content_block_start', { index: i, content_block: { type: 'text', text: '' } }) + ev('content_block_delta', { index: i, delta: { type: 'text_delta', text: message } }) + ev('content_block_stop', { index: i });
  };
  for (const ev of events) {
    const o = json(ev);
    if (!o) {
      out += ev.raw;
      continue;
    }
    if (typeof o.index === 'number') {
      maxIndex = Math.max(maxIndex, o.index);
      if (denied.has(o.index)) continue;
      if (o.type === 'content_block_start' && messagesCall(o.content_block)) toolBlocksKept++;
    }
    if (o.type === 'message_delta' || o.type === 'message_stop') {
      if (!explained) out += explanation(ev);
      if (o.type === 'message_delta' && o.delta?.stop_reason === 'tool_use' && toolBlocksKept === 0) {
        o.delta.stop_reason = 'end_turn';
        out += encodeEvent(JSON.stringify(o), ev);
        continue;
      }
    }
    out += ev.raw;
  }
  if (!explained) out += explanation({ raw: '', event: 'x', data: null, id: null, eol: '\n' });
  return out;
}
