/**
 * Legacy completions (`/v1/engines/{model}/completions`): inline ghost text. No tool calls;
 * a refusal is an empty suggestion, never text that would land in the code.
 */
import { ChatCompletionsAdapter } from '../adapters/index.js';
import { readCompletion } from '../request.js';
import { chatStreamError } from './chat.js';
import { sseRefusal, type ProtocolFamily } from './types.js';

export const completions: ProtocolFamily = {
  name: 'completions',
  kinds: ['completion'],
  classify: (_host, path) => (/\/v1\/engines\/[^/]+\/completions$/.test(path) ? 'completion' : null),
  readRequest: readCompletion,
  adapter: (_kind, ctx) => new ChatCompletionsAdapter(ctx, true),
  // Ghost text must not turn a refusal into code: answer with no suggestion.
  refusal: (_kind, _message, opts) =>
    sseRefusal([[null, { id: 'cmpl-witness', created: Math.floor(Date.now() / 1000), model: opts.model ?? 'witness', choices: [{ index: 0, text: '', finish_reason: 'stop' }] }]], true),
  // An error chunk carries no suggestion text, so it cannot land in the code either.
  streamError: (_kind, failure) => chatStreamError(failure),
};
