/** Approval popups: one per pending decision, stacked, closed on decision; closing decides nothing. */
import { describe, expect, it } from 'vitest';
import { POPUP_HEIGHT, POPUP_WIDTH, PopupStack, type Rect } from '../../electron/core/popups.js';
import { approvalNotification } from '../../electron/core/notification-text.js';
import type { ApprovalView } from '../../proxy/control/contract.js';

export function approval(id: string, over: Partial<ApprovalView> = {}): ApprovalView {
  return {
    id,
    exchangeId: 'x',
    host: 'api.business.githubcopilot.com',
    client: 'VS Code',
    requester: 'ada',
    tool: 'run_in_terminal',
    arguments: '{"command":"npm publish"}',
    argsHash: 'h',
    operation: { tool: 'run_in_terminal', class: 'execute', paths: [], commands: ['npm publish'], urls: [], unparsable: false, previews: [] },
    ruleIds: ['protected-command:package-publish'],
    reasons: ['command (publishes a package) matches package-publish'],
    requestedAt: '2026-11-21T10:00:00.000Z',
    expiresAt: '2026-11-21T10:02:00.000Z',
    defaultDecision: 'deny',
    status: 'pending',
    decidedAt: null,
    approver: null,
    reason: null,
    ...over,
  };
}

function stack() {
  const opened: Array<{ id: string; bounds: Rect; closed: boolean; focused: number; userClose: () => void }> = [];
  const notified: string[] = [];
  const s = new PopupStack({
    open: (a, bounds, userClose) => {
      const w = { id: a.id, bounds, closed: false, focused: 0, userClose };
      opened.push(w);
      return { close: () => (w.closed = true), focus: () => w.focused++ };
    },
    workArea: () => ({ x: 0, y: 25, width: 1920, height: 1055 }),
    notify: (a) => notified.push(a.id),
  });
  return { s, opened, notified };
}

describe('approval popups', () => {
  it('opens one 420×560 popup and one notification per requested decision, stacked without overlap', () => {
    const { s, opened, notified } = stack();
    s.requested(approval('a'));
    s.requested(approval('b'));
    s.requested(approval('a')); // the same request again (a replayed event): nothing new
    expect(opened.map((w) => w.id)).toEqual(['a', 'b']);
    expect(notified).toEqual(['a', 'b']);
    expect(opened[0]!.bounds).toEqual({ x: 1920 - POPUP_WIDTH - 16, y: 25 + 16, width: POPUP_WIDTH, height: POPUP_HEIGHT });
    expect(opened[1]!.bounds.x).toBeLessThan(opened[0]!.bounds.x);
    expect(opened[1]!.bounds.y).toBeGreaterThan(opened[0]!.bounds.y);
  });

  it('closes the popup when the decision is made anywhere', () => {
    const { s, opened } = stack();
    s.requested(approval('a'));
    s.decided('a');
    expect(opened[0]!.closed).toBe(true);
    expect(s.openIds).toEqual([]);
  });

  it('a popup closed by the person decides nothing and does not come back; its slot is reused', () => {
    const { s, opened } = stack();
    s.requested(approval('a'));
    s.requested(approval('b'));
    opened[0]!.userClose();
    s.reconcile([approval('a'), approval('b')]); // still pending in the engine after a reconnect
    expect(opened.map((w) => w.id)).toEqual(['a', 'b']);
    s.requested(approval('c'));
    expect(opened[2]!.bounds).toEqual(opened[0]!.bounds);
  });

  it('after a reconnect, opens what is pending and closes what was decided meanwhile', () => {
    const { s, opened } = stack();
    s.requested(approval('a'));
    s.reconcile([approval('b')]);
    expect(opened.find((w) => w.id === 'a')!.closed).toBe(true);
    expect(s.openIds).toEqual(['b']);
  });

  it('never opens a popup for a request that is no longer pending', () => {
    const { s, opened } = stack();
    s.requested(approval('a', { status: 'approved' }));
    expect(opened).toEqual([]);
  });

  it('keeps popups on a small screen', () => {
    const opened: Rect[] = [];
    const s = new PopupStack({ open: (_a, b) => (opened.push(b), { close() {}, focus() {} }), workArea: () => ({ x: 0, y: 0, width: 400, height: 500 }), notify() {} });
    s.requested(approval('a'));
    expect(opened[0]).toEqual({ x: 0, y: 0, width: 400, height: 500 });
  });
});

describe('approval notification text', () => {
  const now = Date.parse('2026-11-21T10:00:00.000Z');
  it('says who wants to run what, why it is held and what happens if nobody answers', () => {
    expect(approvalNotification(approval('a'), now)).toEqual({
      title: 'VS Code wants to run a command',
      body: 'npm publish\ncommand (publishes a package) matches package-publish. Denied automatically in 2:00.',
    });
  });

  it('names a protected file edit, and a request with no client', () => {
    const a = approval('a', {
      client: null,
      tool: 'replace_string_in_file',
      operation: { tool: 'replace_string_in_file', class: 'edit', paths: [{ path: '.env.production', action: 'edit' }], commands: [], urls: [], unparsable: false, previews: [] },
      ruleIds: ['protected-path:**/.env*'],
      reasons: ['edit of .env.production (protected by **/.env*)'],
      defaultDecision: 'approve',
      expiresAt: '2026-11-21T10:00:05.400Z',
    });
    expect(approvalNotification(a, now)).toEqual({
      title: 'An agent wants to edit a protected file',
      body: '.env.production\nedit of .env.production (protected by **/.env*). Approved automatically in 0:06.',
    });
  });

  it('stays short enough for every OS, whatever the command', () => {
    const t = approvalNotification(approval('a', { operation: { ...approval('a').operation, commands: ['x'.repeat(5000), 'y'] } }), now);
    expect(Buffer.byteLength(t.title + t.body)).toBeLessThan(256);
    expect(t.body).toMatch(/^x+… \(\+1 more\)\n/);
  });
});
