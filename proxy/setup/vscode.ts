/**
 * VS Code's settings for Witness, in the user settings of each installed VS Code flavour
 * and in the machine settings of each VS Code server on this machine (Remote-SSH, WSL:
 * Copilot runs in the remote extension host, which reads those, not the local ones):
 *   http.proxy              → the Witness proxy
 *   http.proxyStrictSSL     → true (never turned off: Witness is trusted, not tolerated)
 *   http.systemCertificates → true (the OS store, where `witness setup trust` puts the CA)
 *   http.proxySupport       → "override" when it was "off" (off ignores http.proxy)
 *   http.noProxy            → Copilot hosts removed from it
 * settings.json is JSONC: edits go through jsonc-parser, so comments, order and
 * indentation stay as they were.
 */
import { existsSync, readFileSync } from 'node:fs';
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';
import type { FileChange } from './changes.js';
import type { SetupContext } from './context.js';
import { vscodeRemoteSettings, vscodeUserSettings, type SettingsFile } from './locations.js';

export interface VsCodeView {
  proxy: unknown;
  strictSSL: unknown;
  systemCertificates: unknown;
  proxySupport: unknown;
  noProxy: unknown;
}

/** The settings that matter, read leniently (comments, trailing commas); null when the file does not parse. */
export function readVsCodeSettings(text: string): VsCodeView | null {
  const errors: ParseError[] = [];
  const v = parse(text || '{}', errors, { allowTrailingComma: true, disallowComments: false }) as Record<string, unknown> | undefined;
  if (errors.length || !v || typeof v !== 'object' || Array.isArray(v)) return null;
  return {
    proxy: v['http.proxy'],
    strictSSL: v['http.proxyStrictSSL'],
    systemCertificates: v['http.systemCertificates'],
    proxySupport: v['http.proxySupport'],
    noProxy: v['http.noProxy'],
  };
}

/** What is wrong with one settings file for this proxy, in words (empty: nothing). */
export function vscodeProblems(view: VsCodeView, proxyUrl: string, isCopilotHost: (h: string) => boolean): string[] {
  const problems: string[] = [];
  const norm = (u: unknown) => (typeof u === 'string' ? u.replace(/\/+$/, '') : u);
  if (view.proxy === undefined || view.proxy === '') problems.push('http.proxy is not set');
  else if (norm(view.proxy) !== norm(proxyUrl)) problems.push(`http.proxy is ${JSON.stringify(view.proxy)}, not ${proxyUrl}`);
  if (view.strictSSL === false) problems.push('http.proxyStrictSSL is false (TLS verification off)');
  if (view.systemCertificates === false) problems.push('http.systemCertificates is false (the OS trust store is ignored)');
  if (view.proxySupport === 'off') problems.push('http.proxySupport is "off" (http.proxy is ignored)');
  if (Array.isArray(view.noProxy) && view.noProxy.some((h) => typeof h === 'string' && isCopilotHost(h.replace(/^\*?\./, 'x.')))) {
    problems.push('http.noProxy lists a Copilot host (it would bypass Witness)');
  }
  return problems;
}

function indentOf(text: string): { insertSpaces: boolean; tabSize: number } {
  const m = /\n([ \t]+)"/.exec(text);
  if (!m) return { insertSpaces: false, tabSize: 4 }; // VS Code writes tabs
  return m[1]!.startsWith('\t') ? { insertSpaces: false, tabSize: 4 } : { insertSpaces: true, tabSize: m[1]!.length };
}

/** The new text of one settings file, or an error when it cannot be parsed (never clobbered). */
export function editVsCodeSettings(text: string, proxyUrl: string, isCopilotHost: (h: string) => boolean): { text: string } | { error: string } {
  const base = text.trim() ? text : '{\n}\n';
  const view = readVsCodeSettings(base);
  if (!view) return { error: 'it is not valid JSON with comments; fix it in VS Code first (nothing was changed)' };
  const formattingOptions = { ...indentOf(base), eol: base.includes('\r\n') ? '\r\n' : '\n' };
  let out = base;
  const set = (key: string, value: unknown) => {
    out = applyEdits(out, modify(out, [key], value, { formattingOptions }));
  };
  if (view.proxy !== proxyUrl) set('http.proxy', proxyUrl);
  if (view.strictSSL !== true) set('http.proxyStrictSSL', true);
  if (view.systemCertificates !== true) set('http.systemCertificates', true);
  if (view.proxySupport === 'off') set('http.proxySupport', 'override');
  if (Array.isArray(view.noProxy)) {
    const kept = view.noProxy.filter((h) => !(typeof h === 'string' && isCopilotHost(h.replace(/^\*?\./, 'x.'))));
    if (kept.length !== view.noProxy.length) set('http.noProxy', kept);
  }
  return { text: out };
}

export function planVsCode(ctx: SetupContext, isCopilotHost: (h: string) => boolean): { files: FileChange[]; notes: string[]; found: SettingsFile[] } {
  const found = [...vscodeUserSettings(ctx.h), ...vscodeRemoteSettings(ctx.h)];
  const files: FileChange[] = [];
  const notes: string[] = [];
  for (const s of found) {
    const text = existsSync(s.file) ? readFileSync(s.file, 'utf8') : '';
    const r = editVsCodeSettings(text, ctx.proxy.url, isCopilotHost);
    if ('error' in r) notes.push(`${s.label}: ${s.file}: ${r.error}`);
    else files.push({ path: s.file, after: r.text, mode: 0o644 });
  }
  return { files, notes, found };
}
