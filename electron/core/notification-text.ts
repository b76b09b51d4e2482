/**
 * The words of the OS notification for a held tool call: what the agent wants to do, in
 * one line someone can judge from the corner of their eye, and when it will be decided
 * without them. Short enough for every OS (macOS cuts at 256 bytes).
 */
import type { ApprovalView } from '../../proxy/control/index.js';

export interface NotificationText {
  title: string;
  body: string;
}

const MAX_TITLE = 64;
const MAX_BODY = 180;

export function approvalNotification(a: ApprovalView, now: number): NotificationText {
  const who = a.client ?? 'An agent';
  const op = a.operation;
  let title: string;
  let what: string;
  let more = '';
  if (op.commands.length > 0) {
    title = `${who} wants to run a command`;
    what = op.commands[0]!.replace(/\s+/g, ' ').trim();
    if (op.commands.length > 1) more = ` (+${op.commands.length - 1} more)`;
  } else if (op.paths.length > 0) {
    const protectedEdit = a.ruleIds.some((r) => r.startsWith('protected-path:'));
    title = `${who} wants to ${verb(op.paths[0]!.action)} ${protectedEdit ? 'a protected file' : 'a file'}`;
    what = op.paths.map((p) => p.path).join(', ');
  } else if (op.urls.length > 0) {
    title = `${who} wants to open a URL`;
    what = op.urls.join(', ');
  } else {
    title = `${who} wants to use ${a.tool}`;
    what = a.tool;
  }
  const left = Math.max(0, Math.ceil((Date.parse(a.expiresAt) - now) / 1000));
  const fallback = `${a.defaultDecision === 'deny' ? 'Denied' : 'Approved'} automatically in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  const why = a.reasons[0] ?? a.ruleIds[0];
  const tail = `${why ? `${why}. ` : ''}${fallback}.`;
  return { title: clip(title, MAX_TITLE), body: `${clip(what, MAX_BODY - tail.length - more.length - 1)}${more}\n${tail}` };
}

function verb(action: string): string {
  switch (action) {
    case 'create':
      return 'create';
    case 'delete':
      return 'delete';
    case 'move-from':
    case 'move-to':
      return 'move';
    case 'read':
      return 'read';
    default:
      return 'edit';
  }
}

function clip(s: string, max: number): string {
  if (max <= 1) return '…';
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
