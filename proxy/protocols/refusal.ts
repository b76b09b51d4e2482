/**
 * A readable refusal in the client's own protocol, so the IDE shows Witness's message as
 * the assistant's answer instead of a network error. Also used when policy denies a
 * tool call (the stream is rewritten into one of these).
 */
import type { EndpointKind } from './types.js';

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function refusal(kind: EndpointKind, message: string, opts: { stream: boolean; model?: string | null } = { stream: true }): Refusal {
  const model = opts.model ?? 'witness';
  const created = Math.floor(Date.now() / 1000);
  const sse = (events: Array<[string | null, unknown]>, done = false) => ({
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    body: Buffer.from(events.map(([ev, d]) => (ev ? `event: ${ev}\n` : '') + `data: ${JSON.stringify(d)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '')),
  });
  const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });

  switch (kind) {
    case 'chat':
    case 'next-edit': {
      const id = 'chatcmpl-witness';
      if (!opts.stream) {
        return json(200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: message }, finish_reason: 'stop' }] });
      }
      return sse(
        [
          [null, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { role: 'assistant', content: message }, finish_reason: null }] }],
          [null, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }],
        ],
        true,
      );
    }
    case 'completion':
      // Ghost text must not turn a refusal into code: answer with no suggestion.
      return sse([[null, { id: 'cmpl-witness', created, model, choices: [{ index: 0, text: '', finish_reason: 'stop' }] }]], true);
    case 'responses': {
      const rid = 'resp_witness';
      const item = { id: 'msg_witness', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: message, annotations: [] }] };
      const events: Array<[string, unknown]> = [
        ['response.created', { type: 'response.created', response: { id: rid, object: 'response', created_at: created, status: 'in_progress', model, output: [] }, sequence_number: 0 }],
        ['response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] }, sequence_number: 1 }],
        ['response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: message, sequence_number: 2 }],
        ['response.output_text.done', { type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text: message, sequence_number: 3 }],
        ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item, sequence_number: 4 }],
        ['response.completed', { type: 'response.completed', response: { id: rid, object: 'response', created_at: created, status: 'completed', model, output: [item], usage: null }, sequence_number: 5 }],
      ];
      return opts.stream ? sse(events) : json(200, { id: rid, object: 'response', status: 'completed', model, output: [item] });
    }
    case 'messages': {
      const events: Array<[string, unknown]> = [
        ['message_start', { type: 'message_start', message: { id: 'msg_witness', type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: 0, output_tokens: 0 } } }],
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: message } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 0 } }],
        ['message_stop', { type: 'message_stop' }],
      ];
      return opts.stream ? sse(events) : json(200, { id: 'msg_witness', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: message }], stop_reason: 'end_turn' });
    }
    default:
      return json(403, { error: { message, code: 'witness_blocked' } });
  }
}
