/** The normalized view of Copilot traffic that adapters produce. Types only. */
export type EndpointKind = 'completion' | 'next-edit' | 'chat' | 'responses' | 'messages' | 'token' | 'models' | 'telemetry' | 'other';

export interface ToolCall {
  /** Position in the response (choice tool_call index, output_index or content block index). */
  index: number;
  id: string | null;
  name: string;
  /** Arguments as the client receives them (masked). */
  arguments: string;
}

export interface Usage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
}

/** What a streamed (or buffered) response contained, after masking. */
export interface ResponseSummary {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: Usage | null;
  errors: string[];
  model: string | null;
  /** Answer characters not kept in `text` (over MAX_RECORDED_TEXT_CHARS); the client got them all. */
  truncatedChars: number;
  /** SSE events larger than the parser's limit, passed to the client unparsed (not masked, not in `text`). */
  unparsedEvents: number;
}

/** Most answer characters (and characters of one tool call's arguments) an audit record keeps. */
export const MAX_RECORDED_TEXT_CHARS = 1024 * 1024;

export type SemanticEvent =
  | { kind: 'text'; channel: string; text: string }
  /** `input`: how the call's input arrives: JSON arguments, or raw text (custom tools); json when absent. */
  | { kind: 'tool-call-start'; index: number; id: string | null; name: string; input?: 'json' | 'text' }
  | { kind: 'tool-call-delta'; index: number; text: string }
  | { kind: 'tool-call-end'; index: number }
  | { kind: 'finish'; reason: string }
  | { kind: 'usage'; usage: Usage }
  | { kind: 'error'; message: string };

export function emptySummary(): ResponseSummary {
  return { text: '', toolCalls: [], finishReason: null, usage: null, errors: [], model: null, truncatedChars: 0, unparsedEvents: 0 };
}
