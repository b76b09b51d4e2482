import type { EndpointKind } from '../types.js';
import type { AdapterContext, StreamAdapter } from './base.js';
import { ChatCompletionsAdapter } from './chat-completions.js';
import { GenericSseAdapter } from './generic.js';
import { MessagesAdapter } from './messages.js';
import { ResponsesAdapter } from './responses.js';

/** The streaming adapter for an endpoint's event stream. */
export function adapterFor(kind: EndpointKind, ctx: AdapterContext): StreamAdapter {
  switch (kind) {
    case 'completion':
      return new ChatCompletionsAdapter(ctx, true);
    case 'chat':
    case 'next-edit':
      return new ChatCompletionsAdapter(ctx);
    case 'responses':
      return new ResponsesAdapter(ctx);
    case 'messages':
      return new MessagesAdapter(ctx);
    default:
      return new GenericSseAdapter(ctx);
  }
}
