/**
 * What an upstream of each protocol family sends before it fails mid-stream (a stall or a
 * broken connection), and a parser for what the client then got. A planted secret is in the
 * chat text, masked on the way.
 */
import { MAX_SSE_EVENT_CHARS } from '../../../proxy/protocols/index.js';

export const HEAD_SECRET = 'ghp_M1dStr3amSta11T0kenAbCdEfGhIjKlMnOpQr';

const sse = (events: Array<[string | null, unknown]>) => events.map(([e, d]) => (e ? `event: ${e}\n` : '') + `data: ${JSON.stringify(d)}\n\n`).join('');

/** Part of a stream per family, by script name. */
export const STREAM_HEADS: Record<string, string> = {
  chat: sse([
    [null, { id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4.1', choices: [{ index: 0, delta: { role: 'assistant', content: 'first ' }, finish_reason: null }] }],
    [null, { id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4.1', choices: [{ index: 0, delta: { content: `token ${HEAD_SECRET} then` }, finish_reason: null }] }],
  ]),
  // Part of an event too large to parse (over MAX_SSE_EVENT_CHARS: its pieces pass on as they
  // come), then nothing more: the client must still get the error as an event of its own.
  'chat-partial':
    sse([[null, { id: 'c2', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'first' }, finish_reason: null }] }]]) +
    `data: {"choices":[{"index":0,"delta":{"content":"${'y'.repeat(MAX_SSE_EVENT_CHARS + 1024)}`,
  completion: sse([[null, { id: 'cmpl-1', model: 'gpt-35', choices: [{ index: 0, text: 'const a = ', finish_reason: null }] }]]),
  responses: sse([
    ['response.created', { type: 'response.created', sequence_number: 0, response: { id: 'resp_stall', object: 'response', status: 'in_progress', model: 'gpt-5', output: [] } }],
    ['response.output_item.added', { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] } }],
    ['response.output_text.delta', { type: 'response.output_text.delta', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'first ' }],
  ]),
  messages: sse([
    ['message_start', { type: 'message_start', message: { id: 'msg_stall', type: 'message', role: 'assistant', model: 'claude-sonnet-4', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'first ' } }],
  ]),
};

/** A JSON body's first bytes: it has no error form. */
export const JSON_HEAD = '{"choices":[{"message":{"content":"first';

/** The parsed SSE events of a body: [event name, data]. */
export const sseEvents = (body: string) =>
  body
    .split(/\r?\n\r?\n/)
    .filter((b) => b.trim())
    .map((b) => {
      const name = /^event: (.*)$/m.exec(b)?.[1] ?? null;
      const data = b
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return [name, data] as const;
    });
