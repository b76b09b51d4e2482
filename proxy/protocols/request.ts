/**
 * Reading a Copilot request: who sent it, what the human asked, which files and tools
 * were involved. Works on the already-masked body, so nothing here ever sees a secret
 * that masking found.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { ClientInfo } from '../model/index.js';
import { engineModel } from './classify.js';

export interface RequestView {
  model: string | null;
  prompt: string;
  context: string[];
  messages: Array<{ role: string; text: string }>;
  contextFiles: string[];
  tools: string[];
  stream: boolean;
}

export function clientInfo(headers: OutgoingHttpHeaders): ClientInfo {
  const h = (k: string) => {
    const v = headers[k];
    return v === undefined ? null : Array.isArray(v) ? String(v[0]) : String(v);
  };
  const editorVersion = h('editor-version');
  const ua = h('user-agent');
  return {
    editor: editorName(editorVersion, h('copilot-integration-id'), ua),
    editorVersion,
    plugin: h('editor-plugin-version'),
    integrationId: h('copilot-integration-id'),
    intent: h('openai-intent'),
    initiator: h('x-initiator'),
    interactionId: h('x-interaction-id'),
    requestId: h('x-request-id') ?? h('x-github-request-id'),
    userAgent: ua,
  };
}

function editorName(editorVersion: string | null, integration: string | null, ua: string | null): string | null {
  const ev = (editorVersion ?? '').toLowerCase();
  if (ev.startsWith('vscode/')) return 'VS Code';
  if (ev.startsWith('jetbrains') || ev.includes('intellij')) return 'JetBrains';
  if (ev.startsWith('visualstudio') || ev.startsWith('vs/')) return 'Visual Studio';
  if (ev.startsWith('neovim') || ev.startsWith('vim')) return 'Neovim';
  if (ev.startsWith('xcode')) return 'Xcode';
  if (integration === 'copilot-developer-cli' || /copilot-cli|githubcopilotcli/i.test(ua ?? '')) return 'Copilot CLI';
  if (ev) return editorVersion!.split('/')[0]!;
  return ua ? ua.split('/')[0]! : null;
}

/**
 * Texts of messages that cannot change (deeply frozen: the request masker shares the
 * messages an agent resends every turn, see json-body-masker.ts), so a 30-turn history is
 * not walked and joined again on every request. Anything not frozen is read every time.
 */
const frozenTexts = new WeakMap<object, string>();

function messageTextOf(m: unknown): string {
  if (!m || typeof m !== 'object' || !Object.isFrozen(m)) return messageText(m);
  let text = frozenTexts.get(m);
  if (text === undefined) frozenTexts.set(m, (text = messageText(m)));
  return text;
}

/** All text of one message/input item: content, tool results, tool-call arguments. */
function messageText(m: any): string {
  if (!m || typeof m !== 'object') return '';
  const parts = [contentText(m.content)];
  if (Array.isArray(m.tool_calls)) for (const tc of m.tool_calls) parts.push(`${tc?.function?.name ?? ''}(${tc?.function?.arguments ?? ''})`);
  if (typeof m.arguments === 'string') parts.push(`${m.name ?? ''}(${m.arguments})`);
  if (typeof m.output === 'string') parts.push(m.output);
  return parts.filter(Boolean).join('\n');
}

/** Text of an OpenAI/Anthropic message content (string or parts). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: any) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : typeof p?.content === 'string' ? p.content : ''))
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

/** In agent mode the human's words sit inside <userRequest> (or <user_query>) after injected context. */
function humanText(text: string): { prompt: string; context: string[] } {
  const m = /<(userRequest|user_query)>\s*([\s\S]*?)\s*<\/\1>/.exec(text);
  if (m) {
    const context = text.replace(m[0], '').trim();
    return { prompt: m[2]!, context: context ? [context] : [] };
  }
  // Ask mode: attachments first, the question after them.
  const att = /^([\s\S]*<\/attachments>)\s*([\s\S]*)$/.exec(text);
  if (att) return { prompt: att[2]!.trim(), context: [att[1]!] };
  return { prompt: text, context: [] };
}

function contextFilesOf(texts: string[]): string[] {
  const files = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(/filePath="([^"]+)"/g)) files.add(m[1]!);
    for (const m of t.matchAll(/^\s*(?:\/\/|#)\s*Path:\s*(\S+)/gm)) files.add(m[1]!);
  }
  return [...files];
}

/**
 * The user messages the editor sends just before the human's own in the same turn
 * (environment, workspace, attachments: agent mode puts them in separate messages).
 * Empty when the turn does not end with a user message (e.g. a tool-result follow-up).
 */
function turnPreamble(items: any[]): string[] {
  const out: string[] = [];
  if (items[items.length - 1]?.role !== 'user') return out;
  for (let k = items.length - 2; k >= 0 && items[k]?.role === 'user'; k--) {
    const text = contentText(items[k].content);
    if (text.trim()) out.unshift(text);
  }
  return out;
}

/** The view of a request with nothing readable (no body, or not JSON). */
export function emptyView(): RequestView {
  return { model: null, prompt: '', context: [], messages: [], contextFiles: [], tools: [], stream: false };
}

/** What every request body shares: model, stream flag, tools offered. Null when there is no JSON object. */
function commonView(path: string, body: any): RequestView | null {
  const view = emptyView();
  if (!body || typeof body !== 'object') return null;
  view.model = typeof body.model === 'string' ? body.model : engineModel(path);
  view.stream = body.stream === true;
  const toolNames = (tools: unknown) =>
    Array.isArray(tools) ? tools.map((t: any) => t?.function?.name ?? t?.name).filter((n: unknown): n is string => typeof n === 'string') : [];
  view.tools = toolNames(body.tools);
  return view;
}

/** A legacy completion (ghost text): no human prompt, the code around the cursor is context. */
export function readCompletion(path: string, body: any): RequestView {
  const view = commonView(path, body);
  if (!view) return emptyView();
  view.context = [typeof body.prompt === 'string' ? body.prompt : '', typeof body.suffix === 'string' ? body.suffix : ''].filter(Boolean);
  if (body.extra?.language) view.context.push(`language: ${body.extra.language}`);
  view.contextFiles = contextFilesOf([...view.context, view.prompt]);
  return view;
}

/** A conversation: `messages` (chat completions, Anthropic Messages) or `input` (Responses). */
export function readConversation(path: string, body: any): RequestView {
  const view = commonView(path, body);
  if (!view) return emptyView();
  if (Array.isArray(body.messages)) {
    view.messages = body.messages.map((m: any) => ({ role: String(m?.role ?? ''), text: messageTextOf(m) }));
    if (typeof body.system === 'string' || Array.isArray(body.system)) view.messages.unshift({ role: 'system', text: contentText(body.system) });
    const users = body.messages.filter((m: any) => m?.role === 'user');
    const last = users[users.length - 1];
    const text = contentText(last?.content);
    const h = humanText(text);
    view.prompt = h.prompt;
    view.context = [...turnPreamble(body.messages), ...h.context];
  } else if (Array.isArray(body.input)) {
    view.messages = body.input.map((i: any) => ({ role: String(i?.role ?? i?.type ?? ''), text: messageTextOf(i) }));
    const users = body.input.filter((i: any) => i?.role === 'user');
    const h = humanText(contentText(users[users.length - 1]?.content));
    view.prompt = h.prompt;
    view.context = [...turnPreamble(body.input), ...h.context];
  } else if (typeof body.input === 'string') {
    view.prompt = body.input;
  }
  view.contextFiles = contextFilesOf([...view.context, view.prompt]);
  return view;
}
