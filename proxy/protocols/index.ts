export { SseParser, encodeEvent, sseComment, type SseEvent } from './sse.js';
export { maskDeep } from './deep-mask.js';
export { clientInfo, emptyView, type RequestView } from './request.js';
export { SseAdapterTransform, BufferedBodyTransform } from './transforms.js';
export type { AdapterContext, AdapterPiece, StreamAdapter } from './adapters/index.js';
export { FAMILIES, adapterFor, classifyEndpoint, familyFor } from './families/registry.js';
export type { ProtocolFamily, Refusal, RefusalOptions } from './families/types.js';
export type { EndpointKind, ResponseSummary, SemanticEvent, ToolCall, Usage } from './types.js';
export { responsesCall, messagesCall, chatToolCall, itemCallPayload, type CallInput, type CallShape } from './tool-calls.js';
