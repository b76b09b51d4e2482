/**
 * What a tool call would do, extracted from its name and arguments: files it reads or
 * changes (filePath, dirPath, replacements[].filePath, apply_patch envelopes, notebook
 * edits, Copilot CLI `path`), commands it runs, URLs it opens, and previews a reviewer
 * reads (the diff, the new file, the command). Pure; imports only zod, so the policy, the
 * approval queue and the UI all judge and show a call from this one reading.
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
const EXECUTE = new Set(['run_in_terminal', 'bash', 'powershell', 'write_bash', 'write_powershell', 'create_and_run_task', 'run_task', 'run_notebook_cell', 'runTests', 'run_vscode_command', 'install_extension', 'send_to_terminal', 'kill_terminal']);
const FETCH = new Set(['fetch_webpage', 'web_fetch']);

export function extractOperation(tool: string, argumentsJson: string): Operation {
  const op: Operation = { tool, class: classify(tool), paths: [], commands: [], urls: [], unparsable: false, previews: [] };
  let a: any;
  try {
    a = argumentsJson.trim() ? JSON.parse(argumentsJson) : {};
  } catch {
    op.unparsable = true;
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
      if (str(a.command)) op.commands.push(a.command);
      break;
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
