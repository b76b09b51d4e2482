/**
 * Anthropic Messages (`/v1/messages`): call blocks (tool-calls.ts) are judged and may be
 * held; a denial drops the denied blocks, adds a text block saying why and turns a
 * stop_reason "tool_use" with no call left into "end_turn".
 */
import { MessagesAdapter } from '../adapters/index.js';
import { readConversation } from '../request.js';
import { encodeEvent, type SseEvent } from '../sse.js';
import { messagesCall } from '../tool-calls.js';
import { eventJson, jsonRefusal, sseRefusal, type ProtocolFamily } from './types.js';

export const messages: ProtocolFamily = {
  name: 'messages',
  kinds: ['messages'],
  classify: (_host, path) => (path.endsWith('/v1/messages') || path === '/messages' ? 'messages' : null),
  readRequest: readConversation,
  adapter: (_kind, ctx) => new MessagesAdapter(ctx),
  refusal(_kind, message, opts) {
    const model = opts.model ?? 'witness';
    const events: Array<[string, unknown]> = [
      ['message_start', { type: 'message_start', message: { id: 'msg_witness', type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: 0, output_tokens: 0 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: message } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 0 } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    return opts.stream ? sseRefusal(events) : jsonRefusal(200, { id: 'msg_witness', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: message }], stop_reason: 'end_turn' });
  },
  rewriteDenied,
  // Anthropic's own mid-stream failure: an `error` event, after which nothing more comes.
  streamError: (_kind, failure) => ({
    raw: `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `${failure.code}: ${failure.message}` } })}\n\n`,
    says: 'an error event',
  }),
};

function rewriteDenied(events: SseEvent[], denied: ReadonlySet<number>, message: string): string {
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
    const o = eventJson(ev);
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
