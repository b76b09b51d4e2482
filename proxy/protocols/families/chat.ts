/**
 * Chat completions (`/chat/completions`): ask and agent mode on the API host, next-edit
 * suggestions on the proxy host. Tool calls (`tool_calls`, the legacy `function_call`) are
 * judged and may be held; a denial drops them from the held tail and says why as the
 * assistant's text, ending with finish_reason "stop" and [DONE].
 */
import { ChatCompletionsAdapter } from '../adapters/index.js';
import { readConversation } from '../request.js';
import { encodeEvent, type SseEvent } from '../sse.js';
import { eventJson, jsonRefusal, sseRefusal, type ProtocolFamily, type StreamErrorTail, type StreamFailure } from './types.js';

export const chat: ProtocolFamily = {
  name: 'chat',
  kinds: ['chat', 'next-edit'],
  classify(host, path) {
    if (!path.endsWith('/chat/completions')) return null;
    return host.startsWith('proxy.') || host === 'copilot-proxy.githubusercontent.com' ? 'next-edit' : 'chat';
  },
  readRequest: readConversation,
  adapter: (_kind, ctx) => new ChatCompletionsAdapter(ctx),
  refusal(_kind, message, opts) {
    const id = 'chatcmpl-witness';
    const model = opts.model ?? 'witness';
    const created = Math.floor(Date.now() / 1000);
    if (!opts.stream) {
      return jsonRefusal(200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: message }, finish_reason: 'stop' }] });
    }
    return sseRefusal(
      [
        [null, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { role: 'assistant', content: message }, finish_reason: null }] }],
        [null, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }],
      ],
      true,
    );
  },
  rewriteDenied,
  streamError: (_kind, failure) => chatStreamError(failure),
};

/**
 * The OpenAI streaming convention for a failure mid-stream: a chunk whose only field is
 * `error` (what the OpenAI SDKs raise as an API error), then the `[DONE]` sentinel so
 * clients that wait for it stop reading.
 */
export function chatStreamError(failure: StreamFailure): StreamErrorTail {
  const error = { message: failure.message, type: 'server_error', code: failure.code };
  return { raw: `data: ${JSON.stringify({ error })}\n\ndata: [DONE]\n\n`, says: 'an error chunk and data: [DONE]' };
}

function rewriteDenied(events: SseEvent[], denied: ReadonlySet<number>, message: string): string {
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
    const o = eventJson(ev);
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
