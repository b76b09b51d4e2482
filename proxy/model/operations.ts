/**
 * What a tool call would do, extracted from its name and arguments: files it reads or
 * changes (filePath, dirPath, replacements[].filePath, apply_patch envelopes, notebook
 * edits, Copilot CLI `path`), commands it runs, URLs it opens, and previews a reviewer
 * reads (the diff, the new file, the command). Pure; imports only zod, so the policy, the
 * approval queue and the UI all judge and show a call from this one reading.
 * The same tool may arrive in several shapes, all judged alike: apply_patch as JSON
 * `{input: "<envelope>"}`, as a custom tool's raw envelope text, or as a Responses
 * `apply_patch_call` operation; a shell as JSON `{command}`, as raw text, or as a
 * `local_shell_call` / `shell_call` action (the command words joined).
 */
import { z } from 'zod';

const OperationClassSchema = z.enum(['read', 'edit', 'execute', 'fetch', 'mcp', 'unknown']);
export type OperationClass = z.infer<typeof OperationClassSchema>;
const PathActionSchema = z.enum(['read', 'edit', 'create', 'delete', 'move-from', 'move-to']);
export type PathAction = z.infer<typeof PathActionSchema>;

/** What a reviewer needs to see: the edit as a diff, the file to be created, the command. */
export const PreviewSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('replace'), file: z.string(), oldText: z.string(), newText: z.string() }),
  z.object({ kind: z.literal('patch'), text: z.string() }),
  z.object({ kind: z.literal('create'), file: z.string(), content: z.string() }),
  z.object({ kind: z.literal('command'), command: z.string() }),
  z.object({ kind: z.literal('urls'), urls: z.array(z.string()) }),
]);
export type Preview = z.infer<typeof PreviewSchema>;

export const OperationSchema = z.object({
  tool: z.string(),
  class: OperationClassSchema,
  paths: z.array(z.object({ path: z.string(), action: PathActionSchema })),
  commands: z.array(z.string()),
  urls: z.array(z.string()),
  /** Arguments that were not valid JSON (the call is judged on its name alone, strictly). */
  unparsable: z.boolean(),
  previews: z.array(PreviewSchema),
});
export type Operation = z.infer<typeof OperationSchema>;

const READ_ONLY = new Set([
  'read_file', 'list_dir', 'file_search', 'grep_search', 'semantic_search', 'get_errors', 'get_changed_files', 'search_workspace_symbols',
  'list_code_usages', 'view_image', 'test_failure', 'get_search_view_results', 'get_vscode_api', 'github_repo', 'manage_todo_list',
  'terminal_selection', 'terminal_last_command', 'tool_search', 'switch_agent', 'get_terminal_output', 'think', 'report_intent',
  'update_todo', 'view', 'grep', 'rg', 'glob', 'read_bash', 'read_powershell', 'list_bash', 'list_powershell', 'web_search',
]);
const EDIT = new Set(['create_file', 'insert_edit_into_file', 'replace_string_in_file', 'multi_replace_string_in_file', 'apply_patch', 'edit_notebook_file', 'create_directory', 'memory', 'create', 'edit', 'str_replace', 'insert', 'create_new_jupyter_notebook']);
const EXECUTE = new Set([
  'run_in_terminal', 'bash', 'powershell', 'write_bash', 'write_powershell', 'create_and_run_task', 'run_task', 'run_notebook_cell', 'runTests', 'run_vscode_command', 'install_extension', 'send_to_terminal', 'kill_terminal',
  'local_shell', 'shell', 'exec', 'exec_command',
]);
/** Tools whose raw-text input (a custom tool) is a command line. */
const RAW_COMMAND = new Set(['run_in_terminal', 'bash', 'powershell', 'write_bash', 'write_powershell', 'send_to_terminal', 'local_shell', 'shell', 'exec', 'exec_command']);
const FETCH = new Set(['fetch_webpage', 'web_fetch']);

export function extractOperation(tool: string, argumentsJson: string, input: 'json' | 'text' = 'json'): Operation {
  const op: Operation = { tool, class: classify(tool), paths: [], commands: [], urls: [], unparsable: false, previews: [] };
  if (input === 'text') return rawInputOperation(op, argumentsJson);
  let a: any;
  try {
    a = argumentsJson.trim() ? JSON.parse(argumentsJson) : {};
  } catch {
    op.unparsable = true;
    // Not JSON, but a patch envelope all the same (raw input recorded without its form): read its paths.
    if (PATCH_START.test(argumentsJson)) rawInputOperation(op, argumentsJson);
    return op;
  }
  if (!a || typeof a !== 'object') return op;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  const add = (p: unknown, action: PathAction) => {
    const s = str(p);
    if (s) op.paths.push({ path: s, action });
  };

  switch (tool) {
    case 'create_file':
    case 'create':
      add(a.filePath ?? a.path, 'create');
      break;
    case 'insert_edit_into_file':
    case 'replace_string_in_file':
    case 'edit_notebook_file':
    case 'edit':
    case 'str_replace':
    case 'insert':
      add(a.filePath ?? a.path, 'edit');
      break;
    case 'multi_replace_string_in_file':
      for (const r of Array.isArray(a.replacements) ? a.replacements : []) add(r?.filePath, 'edit');
      break;
    case 'apply_patch':
      for (const p of patchPaths(str(a.input) ?? '')) op.paths.push(p);
      // Responses `apply_patch_call`: one file operation.
      if (a.operation && typeof a.operation === 'object') add(a.operation.path, PATCH_OPERATION[String(a.operation.type)] ?? 'edit');
      break;
    case 'create_directory':
      add(a.dirPath, 'create');
      break;
    case 'memory':
      add(a.path, a.command === 'view' ? 'read' : a.command === 'delete' ? 'delete' : a.command === 'create' ? 'create' : 'edit');
      add(a.old_path, 'move-from');
      add(a.new_path, 'move-to');
      break;
    case 'run_in_terminal':
    case 'bash':
    case 'powershell':
    case 'exec':
    case 'exec_command':
      if (str(a.command)) op.commands.push(a.command);
      else if (Array.isArray(a.command)) op.commands.push(commandLine(a.command));
      break;
    case 'local_shell':
    case 'shell': {
      // local_shell_call: action.command is argv; shell_call: action.commands are command lines.
      const action = a.action && typeof a.action === 'object' ? a.action : a;
      if (Array.isArray(action.command)) op.commands.push(commandLine(action.command));
      else if (str(action.command)) op.commands.push(action.command);
      for (const c of Array.isArray(action.commands) ? action.commands : []) if (str(c)) op.commands.push(c);
      add(action.working_directory, 'read');
      break;
    }
    case 'write_bash':
    case 'write_powershell':
    case 'send_to_terminal':
      if (str(a.input ?? a.command)) op.commands.push(a.input ?? a.command);
      break;
    case 'create_and_run_task':
      if (a.task && typeof a.task === 'object') op.commands.push([a.task.command, ...(Array.isArray(a.task.args) ? a.task.args : [])].filter(Boolean).join(' '));
      break;
    case 'fetch_webpage':
      for (const u of Array.isArray(a.urls) ? a.urls : []) if (str(u)) op.urls.push(u);
      break;
    case 'web_fetch':
      if (str(a.url)) op.urls.push(a.url);
      break;
    default:
      // Reads (and unknown tools) may still name files: keep them for the record.
      for (const k of ['filePath', 'path', 'dirPath']) add(a[k], 'read');
  }
  op.previews = previews(tool, a, op);
  return op;
}

function previews(tool: string, a: any, op: Operation): Preview[] {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (tool) {
    case 'replace_string_in_file':
    case 'edit':
    case 'str_replace':
      return [{ kind: 'replace', file: s(a.filePath ?? a.path), oldText: s(a.oldString ?? a.old_str), newText: s(a.newString ?? a.new_str) }];
    case 'multi_replace_string_in_file':
      return (Array.isArray(a.replacements) ? a.replacements : []).map((r: any) => ({ kind: 'replace' as const, file: s(r?.filePath), oldText: s(r?.oldString), newText: s(r?.newString) }));
    case 'insert_edit_into_file':
      return [{ kind: 'replace', file: s(a.filePath), oldText: '', newText: s(a.code) }];
    case 'apply_patch':
      if (a.operation && typeof a.operation === 'object') return [{ kind: 'patch', text: `*** ${s(a.operation.type)}: ${s(a.operation.path)}\n${s(a.operation.diff)}` }];
      return [{ kind: 'patch', text: s(a.input) }];
    case 'create_file':
    case 'create':
      return [{ kind: 'create', file: s(a.filePath ?? a.path), content: s(a.content ?? a.file_text) }];
    default:
      if (op.commands.length) return op.commands.map((command) => ({ kind: 'command' as const, command }));
      if (op.urls.length) return [{ kind: 'urls', urls: op.urls }];
      return [];
  }
}

const PATCH_START = /^\s*\*\*\* Begin Patch\b/;

const PATCH_OPERATION: Record<string, PathAction> = { create_file: 'create', update_file: 'edit', delete_file: 'delete' };

/** argv as one command line, so command rules see `rm -rf …` whichever way it was split. */
function commandLine(argv: unknown[]): string {
  return argv.filter((x): x is string => typeof x === 'string').join(' ');
}

/** A custom tool's raw text input: an apply_patch envelope, a command line, or opaque text. */
function rawInputOperation(op: Operation, text: string): Operation {
  if (op.tool === 'apply_patch' || PATCH_START.test(text)) {
    op.paths.push(...patchPaths(text));
    op.previews = [{ kind: 'patch', text }];
  } else if (RAW_COMMAND.has(op.tool) && text.trim()) {
    op.commands.push(text);
    op.previews = [{ kind: 'command', command: text }];
  }
  return op;
}

function classify(tool: string): OperationClass {
  if (tool.startsWith('mcp_')) return 'mcp';
  if (READ_ONLY.has(tool)) return 'read';
  if (EDIT.has(tool)) return 'edit';
  if (EXECUTE.has(tool)) return 'execute';
  if (FETCH.has(tool)) return 'fetch';
  return 'unknown';
}

/** Paths an apply_patch envelope touches (`*** Add/Update/Delete File:`, `*** Move to:`). */
export function patchPaths(input: string): Operation['paths'] {
  const out: Operation['paths'] = [];
  let current: string | null = null;
  for (const line of input.split(/\r?\n/)) {
    const m = /^\*\*\* (Add|Update|Delete) File:\s*(.+?)\s*$/.exec(line);
    if (m) {
      current = m[2]!;
      out.push({ path: current, action: m[1] === 'Add' ? 'create' : m[1] === 'Delete' ? 'delete' : 'edit' });
      continue;
    }
    const mv = /^\*\*\* Move to:\s*(.+?)\s*$/.exec(line);
    if (mv) {
      if (current) out.push({ path: current, action: 'move-from' });
      out.push({ path: mv[1]!, action: 'move-to' });
    }
  }
  return out;
}
