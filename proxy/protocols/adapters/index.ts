export { BaseAdapter, parseJson, usageFromOpenAi, type AdapterContext, type AdapterPiece, type StreamAdapter } from './base.js';
export { ChatCompletionsAdapter } from './chat-completions.js';
export { GenericSseAdapter } from './generic.js';
export { MessagesAdapter } from './messages.js';
export { ResponsesAdapter } from './responses.js';
