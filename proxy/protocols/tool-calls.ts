/**
 * What counts as a tool call in each protocol, in one place: the adapters start calls from
 * it (and so announce where each one starts), and the denial rewrites drop them. Every
 * shape maps to a tool name for policy and the form of its input:
 *  - `json`: JSON arguments streamed in pieces (function_call, tool_calls, tool_use);
 *  - `text`: raw text input streamed in pieces (custom_tool_call, code_interpreter code);
 *  - `item`: no input stream; the call is judged on the whole item (local_shell_call …).
 * An item or block the tables do not know but which looks like a call (type ending in
 * `_call` / `tool_use`, or carrying call_id, arguments, input or action) is a call too,
 * named by its type so that policy's unknown-tool rule applies: never passed silently.
 * Pure; never changes what it is given.
 */
export type CallInput = 'json' | 'text' | 'item';

export interface CallShape {
  /** The tool name policy judges (e.g. `apply_patch`, `mcp_<server>_<tool>`, `local_shell`). */
  name: string;
  input: CallInput;
  /** Item field holding the whole streamed input (json/text calls): `arguments`, `input`, `code`. */
  field?: string;
  /** Event type prefix of the input stream (`<stream>.delta` / `<stream>.done`). */
  stream?: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const mcpName = (server: unknown, tool: unknown) => `mcp_${str(server) ?? 'server'}_${str(tool) ?? 'tool'}`;

/** Responses output items that are not calls (everything else that looks like one is). */
const RESPONSES_NOT_CALLS = new Set(['message', 'reasoning', 'compaction', 'mcp_list_tools']);

/** Hosted and built-in Responses tools whose item carries the whole call (no input stream). */
const RESPONSES_ITEM_CALLS: Record<string, string> = {
  local_shell_call: 'local_shell',
  shell_call: 'shell',
  apply_patch_call: 'apply_patch',
  computer_call: 'computer',
  web_search_call: 'web_search',
  file_search_call: 'file_search',
  image_generation_call: 'image_generation',
};

/** The call an output item of a Responses stream is, or null. */
export function responsesCall(item: any): CallShape | null {
  if (!item || typeof item !== 'object' || typeof item.type !== 'string') return null;
  const type: string = item.type;
  switch (type) {
    case 'function_call':
      return { name: str(item.name) ?? '', input: 'json', field: 'arguments', stream: 'response.function_call_arguments' };
    case 'custom_tool_call':
      return { name: str(item.name) ?? '', input: 'text', field: 'input', stream: 'response.custom_tool_call_input' };
    case 'mcp_call':
      return { name: mcpName(item.server_label, item.name), input: 'json', field: 'arguments', stream: 'response.mcp_call_arguments' };
    case 'mcp_approval_request':
      return { name: mcpName(item.server_label, item.name), input: 'json', field: 'arguments' };
    case 'code_interpreter_call':
      return { name: 'code_interpreter', input: 'text', field: 'code', stream: 'response.code_interpreter_call_code' };
  }
  if (RESPONSES_ITEM_CALLS[type]) return { name: RESPONSES_ITEM_CALLS[type], input: 'item' };
  if (RESPONSES_NOT_CALLS.has(type) || /_(?:output|result)$/.test(type)) return null;
  if (type.endsWith('_call') || looksLikeCall(item)) return { name: unknownName(type, item.name), input: 'item' };
  return null;
}

/** What of a Responses item that is judged as a whole (`item` calls): everything but its bookkeeping and results. */
export function itemCallPayload(item: any): Record<string, unknown> {
  const { id: _id, type: _type, status: _status, result: _result, results: _results, output: _output, outputs: _outputs, ...rest } = item ?? {};
  return rest;
}

/** Anthropic Messages content blocks that are not calls. */
const MESSAGES_NOT_CALLS = new Set(['text', 'thinking', 'redacted_thinking']);

/** The call a Messages content block is, or null. Input always streams as `input_json_delta`. */
export function messagesCall(block: any): CallShape | null {
  if (!block || typeof block !== 'object' || typeof block.type !== 'string') return null;
  const type: string = block.type;
  if (type === 'tool_use' || type === 'server_tool_use') return { name: str(block.name) ?? '', input: 'json' };
  if (type === 'mcp_tool_use') return { name: mcpName(block.server_name, block.name), input: 'json' };
  if (MESSAGES_NOT_CALLS.has(type) || /_(?:result|output)$/.test(type)) return null;
  if (type.endsWith('tool_use') || type.endsWith('_call') || looksLikeCall(block)) return { name: unknownName(type, block.name), input: 'json' };
  return null;
}

/** The call a chat-completions `tool_calls[]` entry is (function, custom or another type), or null when it names none. */
export function chatToolCall(tc: any): CallShape | null {
  if (!tc || typeof tc !== 'object') return null;
  if (tc.custom && typeof tc.custom === 'object') return { name: str(tc.custom.name) ?? '', input: 'text', field: 'input' };
  if (tc.function && typeof tc.function === 'object') return { name: str(tc.function.name) ?? '', input: 'json', field: 'arguments' };
  if (typeof tc.type === 'string' && tc.type !== 'function' && tc.type !== 'custom') return { name: unknownName(tc.type, tc[tc.type]?.name), input: 'item' };
  return { name: '', input: 'json', field: 'arguments' };
}

function looksLikeCall(o: Record<string, unknown>): boolean {
  return 'call_id' in o || 'arguments' in o || 'input' in o || 'action' in o;
}

/** An unknown shape is judged under its own type (so `tools` in policy can name it), never under a known tool's name. */
function unknownName(type: string, name: unknown): string {
  return str(name) ? `${type}:${name as string}` : type;
}
