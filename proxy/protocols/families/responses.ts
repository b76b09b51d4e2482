/**
 * The OpenAI Responses API (`/responses`): every output item that is a call (tool-calls.ts)
 * is judged and may be held; a denial drops the denied items (by output index, or by their
 * place in the final response's output), adds an assistant message saying why and keeps
 * sequence numbers increasing.
 */
import { ResponsesAdapter, type StreamAdapter } from '../adapters/index.js';
import { readConversation } from '../request.js';
import { encodeEvent, type SseEvent } from '../sse.js';
import { responsesCall } from '../tool-calls.js';
import type { EndpointKind } from '../types.js';
import { eventJson, jsonRefusal, sseRefusal, type ProtocolFamily, type StreamErrorTail, type StreamFailure } from './types.js';

export const responses: ProtocolFamily = {
  name: 'responses',
  kinds: ['responses'],
  classify: (_host, path) => (path.endsWith('/responses') ? 'responses' : null),
  readRequest: readConversation,
  adapter: (_kind, ctx) => new ResponsesAdapter(ctx),
  refusal(_kind, message, opts) {
    const rid = 'resp_witness';
    const model = opts.model ?? 'witness';
    const created = Math.floor(Date.now() / 1000);
    const item = { id: 'msg_witness', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: message, annotations: [] }] };
    const events: Array<[string, unknown]> = [
      ['response.created', { type: 'response.created', response: { id: rid, object: 'response', created_at: created, status: 'in_progress', model, output: [] }, sequence_number: 0 }],
      ['response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] }, sequence_number: 1 }],
      ['response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: message, sequence_number: 2 }],
      ['response.output_text.done', { type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text: message, sequence_number: 3 }],
      ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item, sequence_number: 4 }],
      ['response.completed', { type: 'response.completed', response: { id: rid, object: 'response', created_at: created, status: 'completed', model, output: [item], usage: null }, sequence_number: 5 }],
    ];
    return opts.stream ? sseRefusal(events) : jsonRefusal(200, { id: rid, object: 'response', status: 'completed', model, output: [item] });
  },
  rewriteDenied,
  streamError,
};

/**
 * A stream that cannot finish ends as the API ends a failed response: `response.failed`
 * (terminal, status "failed", the error in `response.error`), continuing the stream's
 * sequence numbers and response id.
 */
function streamError(_kind: EndpointKind, failure: StreamFailure, seen: StreamAdapter): StreamErrorTail {
  const state = seen instanceof ResponsesAdapter ? seen : null;
  const response = {
    id: state?.responseId ?? 'resp_witness',
    object: 'response',
    status: 'failed',
    model: seen.summary.model ?? 'witness',
    output: [],
    error: { code: 'server_error', message: `${failure.code}: ${failure.message}` },
  };
  const data = { type: 'response.failed', response, sequence_number: (state?.lastSequence ?? -1) + 1 };
  return { raw: `event: response.failed\ndata: ${JSON.stringify(data)}\n\n`, says: 'a response.failed event' };
}

function rewriteDenied(events: SseEvent[], denied: ReadonlySet<number>, message: string): string {
  const deniedIds = new Set<string>();
  for (const ev of events) {
    const o = eventJson(ev);
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
    const o = eventJson(ev);
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
