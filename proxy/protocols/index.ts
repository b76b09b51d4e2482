export { SseParser, encodeEvent, sseComment, type SseEvent } from './sse.js';
export { maskDeep } from './deep-mask.js';
export { classifyEndpoint } from './classify.js';
export { clientInfo, readRequest, type RequestView } from './request.js';
export { SseAdapterTransform, BufferedBodyTransform } from './transforms.js';
export type { AdapterContext, StreamAdapter } from './adapters/base.js';
export { adapterFor } from './adapters/select.js';
export type { EndpointKind, ResponseSummary, SemanticEvent, ToolCall, Usage } from './types.js';
export { refusal, type Refusal } from './refusal.js';
