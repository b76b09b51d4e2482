/**
 * The window's shared types and the pure functions over them: a live row (an interaction
 * as it streams), where a record landed in the chain, approvals matched to their rows, and
 * how risky a held call looks. No React, no I/O: views and components both build on it.
 */
// Types and the model's pure builders straight from the contract and the model (not through
// api.ts, which opens a connection): this file stays pure, testable without a browser.
import type { ApprovalView, ControlEvent } from '../../proxy/control/index.js';
import { emptyInteraction, type Interaction, type RecordIdentity } from '../../proxy/model/index.js';

/** An interaction in the live list; `streaming` until its record is complete. */
export type LiveItem = Interaction & { user?: string; streaming?: boolean };
/** Where a finished interaction landed in the audit chain. */
export type StoredRef = { seq: number; hash: string };
export type StoredRefs = ReadonlyMap<string, StoredRef>;
export type { ApprovalView };

type Started = Extract<ControlEvent, { type: 'interaction.started' }>['data'];
type Delta = Extract<ControlEvent, { type: 'interaction.delta' }>['data'];

/** The row for a request that was just forwarded: what is known before the response. */
export function provisional(s: Started): LiveItem {
  return { ...emptyInteraction({ ...s, method: 'POST', plan: 'unknown' }), ...s, streaming: true };
}

/**
 * Appends streamed text and tool-call arguments. The first delta also stands for the first
 * byte and the first token as this window saw them (the engine's exact times arrive with the
 * record), so a streaming row never shows text with "first byte —".
 */
export function appendDelta(x: LiveItem, d: Delta, now = Date.now()): LiveItem {
  const toolCalls = [...x.toolCalls];
  for (const t of d.tools) {
    const i = toolCalls.findIndex((c) => c.index === t.index);
    if (i < 0) toolCalls.push({ index: t.index, id: null, name: t.name ?? '', arguments: t.text });
    else toolCalls[i] = { ...toolCalls[i]!, name: toolCalls[i]!.name || (t.name ?? ''), arguments: toolCalls[i]!.arguments + t.text };
  }
  const got = d.text.length > 0 || d.tools.length > 0;
  const firstByte = x.timings.firstByte ?? (got ? now : null);
  const firstToken = x.timings.firstToken ?? (got ? now : null);
  return { ...x, response: x.response + d.text, toolCalls, timings: { ...x.timings, firstByte, firstToken } };
}

/** Who a person is, as verified when signed in; else the name the engine knew them by. */
export function personName(identity: RecordIdentity | null | undefined, fallback: string | null | undefined): string {
  if (identity?.signedIn) return identity.email ?? identity.name ?? identity.sub ?? fallback ?? 'unknown';
  return fallback ?? 'unknown';
}

/** Whether a person's name comes from a verified sign-in (the UI marks it so). */
export const verified = (identity: RecordIdentity | null | undefined): boolean => identity?.signedIn === true;

/** The model's stated reason for a tool call: the `explanation` argument (agent tools carry one), if any. */
export function statedReason(args: string): string | null {
  try {
    const v = JSON.parse(args) as unknown;
    if (v && typeof v === 'object') {
      for (const key of ['explanation', 'description', 'reason', 'goal']) {
        const s = (v as Record<string, unknown>)[key];
        if (typeof s === 'string' && s.trim()) return s.trim();
      }
    }
  } catch {
    // not JSON (a raw apply_patch envelope): no stated reason
  }
  return null;
}

/** The user's own request in the conversation that asked for a call: the last user turn, else the prompt. */
export function userRequest(item: Pick<Interaction, 'prompt' | 'messages'> | undefined): string | null {
  if (!item) return null;
  const text = item.prompt.trim();
  return text || null;
}

const MASK = /\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\]/;
/** Whether a call's arguments carry masked placeholders (the editor gets the real values back). */
export const carriesMasked = (args: string): boolean => MASK.test(args);

/**
 * A policy rule in words: "recursive forced delete", "edit of .env (protected by **∕.env)".
 * The engine's reasons already say it; the id is kept for the tooltip only.
 */
export function ruleInWords(ruleId: string, reason: string | undefined): string {
  const cmd = /^command \(([^)]+)\) matches /.exec(reason ?? '');
  if (cmd) return `${cmd[1]} (command)`;
  if (reason) return reason;
  const [kind, rest] = ruleId.split(/:(.*)/s);
  const words: Record<string, string> = {
    'protected-path': `a protected path (${rest})`,
    'protected-command': `a protected command (${rest})`,
    class: `${rest} tools need approval`,
    tool: `the policy asks for ${rest}`,
    url: 'a URL outside the allow list',
    arguments: 'arguments that are not valid JSON',
  };
  return words[kind ?? ''] ?? ruleId;
}

/** Rules whose call can do lasting harm: there Deny is the primary action. */
export function isHighRisk(a: Pick<ApprovalView, 'ruleIds' | 'operation'>): boolean {
  if (a.ruleIds.some((r) => r.startsWith('protected-command:'))) return true;
  if (a.operation.commands.some((c) => riskyCommand(c))) return true;
  return a.operation.paths.some((p) => p.action !== 'read' && riskyPath(p.path));
}

/** Paths where a write is dangerous: keys, credentials, shell start-up files, system config. */
export function riskyPath(path: string): boolean {
  return /(^|\/)(\.ssh|\.gnupg|\.aws|\.kube|\.docker)(\/|$)|authorized_keys|id_(rsa|ed25519|ecdsa)|(^|\/)\.env(\.|$)|\.pem$|\.key$|(^|\/)\.(bashrc|zshrc|profile|bash_profile)$|^\/etc\//.test(path);
}

/** What makes a command dangerous, as patterns over the command text (highlighted in cards). */
export const COMMAND_RISKS: ReadonlyArray<{ re: RegExp; label: string }> = [
  { re: /\brm\s+(?:-[a-zA-Z]*(?:[rR][a-zA-Z]*f|f[a-zA-Z]*[rR])[a-zA-Z]*|(?:-[rR]|--recursive)\s+(?:-f|--force)|(?:-f|--force)\s+(?:-[rR]|--recursive))/g, label: 'recursive forced delete' },
  { re: /\|\s*(?:sudo\s+)?(?:sh|bash|zsh|python3?|node)\b/g, label: 'pipes a download into a shell' },
  { re: /\bsudo\b/g, label: 'runs as root' },
  { re: /--force(?:-with-lease)?\b/g, label: 'forces' },
  { re: /(?:~|\$HOME|\/home\/[^/\s]+|\/root)?\/?\.ssh\b\S*|authorized_keys/g, label: 'touches ~/.ssh' },
  { re: /\bmkfs(?:\.\w+)?\b|\bof=\/dev\/\S*/g, label: 'overwrites a disk' },
  { re: /\bchmod\s+(?:-R\s+)?0?777\b/g, label: 'world-writable permissions' },
];

/** The [start, end) ranges of a command that a risk pattern matched, with what each means. */
export function commandRisks(command: string): Array<{ start: number; end: number; label: string }> {
  const out: Array<{ start: number; end: number; label: string }> = [];
  for (const { re, label } of COMMAND_RISKS) {
    for (const m of command.matchAll(new RegExp(re.source, 'g'))) out.push({ start: m.index, end: m.index + m[0].length, label });
  }
  return out;
}
export const riskyCommand = (c: string): boolean => commandRisks(c).length > 0;

/** Pending approvals matched to their exchange (the live row being held). */
export function approvalsByExchange(approvals: readonly ApprovalView[]): ReadonlyMap<string, ApprovalView> {
  return new Map(approvals.map((a) => [a.exchangeId, a]));
}

/**
 * The placeholder round trip in words: "2 masked values restored for the editor; 1 left masked
 * (tag collision)". The record and the card keep placeholders; only the editor's bytes differ.
 */
export function restoredLine(restored: number, collisions = 0): string {
  const line = `${restored} masked value${restored === 1 ? '' : 's'} restored for the editor`;
  return collisions > 0 ? `${line}; ${collisions} left masked (tag collision)` : line;
}
