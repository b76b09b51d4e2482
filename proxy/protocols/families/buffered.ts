/**
 * Everything else on an intercepted host: the token exchange, the model list, telemetry
 * and unknown endpoints. Their bodies are JSON or text, masked whole; an event stream
 * among them is masked event by event (never a crash). No tool calls; a refusal is a 403.
 */
import { GenericSseAdapter } from '../adapters/index.js';
import { readConversation } from '../request.js';
import { jsonRefusal, type ProtocolFamily } from './types.js';

export const buffered: ProtocolFamily = {
  name: 'buffered',
  kinds: ['token', 'models', 'telemetry', 'other'],
  classify(host, path) {
    if (/\/copilot_internal\/v2\/(?:nl)?token$/.test(path)) return 'token';
    if (/^\/models(?:\/|$)/.test(path)) return 'models';
    if (host.startsWith('telemetry.') || host === 'copilot-telemetry.githubusercontent.com' || path.includes('/telemetry')) return 'telemetry';
    return 'other';
  },
  readRequest: readConversation,
  adapter: (_kind, ctx) => new GenericSseAdapter(ctx),
  refusal: (_kind, message) => jsonRefusal(403, { error: { message, code: 'witness_blocked' } }),
};
