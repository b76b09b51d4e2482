/**
 * Headless parity with the desktop popups (issue 17): a foreground `witness start` prints one
 * line for each new hold, naming what is held, the window link that opens it and the
 * commands that decide it. Without this a held call is invisible to someone watching only
 * the terminal until it times out. Only masked fields of the approval are printed (the
 * approval view never holds a secret in clear), and no sign-in code is minted per line:
 * the link opens the window that already has a session, else `witness ui` signs one in.
 */
import type { ApprovalView, ControlEvent } from '../control/index.js';

const MAX_WHAT = 120;

/** The short id printed and accepted back by `witness approvals approve|deny` (unique prefix). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The window route for one approval (the popup's route), on this engine's control URL. */
export function approvalLink(controlUrl: string, id: string): string {
  return `${controlUrl.replace(/\/+$/, '')}/#/approval/${encodeURIComponent(id)}`;
}

function what(a: ApprovalView): string {
  const parts = [...a.operation.commands.map((c) => `$ ${c}`), ...a.operation.paths.map((p) => `${p.action} ${p.path}`), ...a.operation.urls];
  const text = parts.join('; ').replace(/\s+/g, ' ');
  return text.length > MAX_WHAT ? `${text.slice(0, MAX_WHAT - 1)}…` : text;
}

export function holdLine(a: ApprovalView, controlUrl: string, cli: string, dataDirArg: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((Date.parse(a.expiresAt) - now) / 1000));
  const op = what(a);
  const id = shortId(a.id);
  return (
    `Held: ${a.tool}${op ? ` (${op})` : ''} from ${a.client ?? 'an unknown client'}; ${a.reasons[0] ?? a.ruleIds.join(', ')}. ` +
    `Open ${approvalLink(controlUrl, a.id)} or run \`${cli} approvals approve ${id}${dataDirArg}\` / \`${cli} approvals deny ${id}${dataDirArg}\` ` +
    `(${a.defaultDecision === 'deny' ? 'denied' : 'approved'} in ${seconds} s if nobody answers).`
  );
}

export interface HoldPrinterOptions {
  controlUrl: string;
  cli: string;
  dataDirArg: string;
  json: boolean;
  out(text: string): void;
  now?: () => number;
}

/** An event-bus listener that prints each `approval.requested` once (a replayed event is not printed again). */
export function holdPrinter(o: HoldPrinterOptions): (e: ControlEvent) => void {
  const seen = new Set<string>();
  return (e) => {
    if (e.type !== 'approval.requested' || seen.has(e.data.id)) return;
    seen.add(e.data.id);
    const a = e.data;
    if (o.json) {
      o.out(JSON.stringify({ event: 'approval.requested', id: a.id, tool: a.tool, client: a.client, ruleIds: a.ruleIds, expiresAt: a.expiresAt, link: approvalLink(o.controlUrl, a.id) }));
    } else {
      o.out(holdLine(a, o.controlUrl, o.cli, o.dataDirArg, o.now?.() ?? Date.now()));
    }
  };
}
