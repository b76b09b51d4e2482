/** The tray as a pure function of what the shell knows: one test per state, and the menu. */
import { describe, expect, it } from 'vitest';
import { trayIdentity, trayModel, trayState, type MenuItemModel, type TrayInput } from '../../electron/core/tray-model.js';

const NOW = Date.parse('2026-11-21T10:00:00Z');
const base: TrayInput = {
  engine: { phase: 'running', pid: 42, external: false },
  status: { interceptedCount: 12, lastInterceptedAt: '2026-11-21T09:59:00Z', auditIssues: [] },
  pending: 0,
  interception: null,
  identity: null,
  startAtLogin: { supported: true, enabled: true, locked: false },
  now: NOW,
};
const labels = (items: MenuItemModel[]) => items.map((i) => (i.kind === 'separator' ? '---' : i.label));
const action = (items: MenuItemModel[], id: string) => items.find((i) => (i.kind === 'action' || i.kind === 'checkbox') && i.id === id);

describe('tray model', () => {
  it('running: green icon, what is audited, and the whole menu', () => {
    const m = trayModel(base);
    expect(m.state).toBe('running');
    expect(m.icon).toBe('tray-running');
    expect(m.tooltip).toBe('Witness — Running — 12 Copilot requests audited');
    expect(labels(m.items)).toEqual([
      'Running — 12 Copilot requests audited',
      'No approvals waiting',
      '---',
      'Open Witness',
      'Setup and doctor…',
      'Start at login',
      '---',
      'Quit Witness',
    ]);
  });

  it('needs attention: pending approvals with their count and a way to open them', () => {
    const m = trayModel({ ...base, pending: 3 });
    expect(m.state).toBe('attention');
    expect(m.icon).toBe('tray-attention');
    expect(action(m.items, 'open-approvals')).toEqual({ kind: 'action', id: 'open-approvals', label: '3 approvals waiting — Open…', enabled: true });
    expect(trayModel({ ...base, pending: 1 }).items).toContainEqual(expect.objectContaining({ label: '1 approval waiting — Open…' }));
  });

  it('needs attention: audit store problems are named in the menu', () => {
    const m = trayModel({ ...base, status: { ...base.status!, auditIssues: ['torn frame at seq 9'] } });
    expect(m.state).toBe('attention');
    expect(labels(m.items)).toContain('Audit store: 1 problem (see Setup)');
  });

  it('needs attention when clients reject the Witness CA: the health words, never a plain green', () => {
    const message = '3 connections from clients that do not trust the Witness CA in the last 10 min — run `witness doctor`';
    const m = trayModel({ ...base, status: { ...base.status!, health: { level: 'warn', message } } });
    expect(m.state).toBe('attention');
    expect(m.icon).toBe('tray-attention');
    expect(labels(m.items)[1]).toBe(message);
    const fine = trayModel({ ...base, status: { ...base.status!, health: { level: 'ok', message: 'Copilot traffic is intercepted' } } });
    expect(fine.state).toBe('running');
    expect(labels(fine.items)).not.toContain('Copilot traffic is intercepted');
  });

  it('paused: grey icon, says traffic passes unaudited, offers resume', () => {
    const m = trayModel({ ...base, interception: { paused: true } });
    expect(m.state).toBe('paused');
    expect(m.icon).toBe('tray-paused');
    expect(m.items[0]).toEqual({ kind: 'label', label: 'Paused: Copilot traffic passes unaudited (recorded)' });
    expect(action(m.items, 'resume')).toMatchObject({ label: 'Resume interception', enabled: true });
    expect(action(trayModel({ ...base, interception: { paused: false } }).items, 'pause')).toMatchObject({ label: 'Pause interception…' });
    const until = new Date(2026, 11, 2, 14, 5).toISOString();
    expect(trayModel({ ...base, interception: { paused: true, until } }).items[0]).toEqual({ kind: 'label', label: 'Paused until 14:05: Copilot traffic passes unaudited (recorded)' });
  });

  it('needs attention when a policy file was rejected, and says the last good policy stays', () => {
    const m = trayModel({ ...base, status: { ...base.status!, policyProblem: 'Policy file /x/policy.json is not valid JSON' } });
    expect(m.state).toBe('attention');
    expect(labels(m.items)).toContain('Policy file rejected: the last good policy stays in force (see `witness status`)');
  });

  it('says pausing is not allowed where the policy forbids it', () => {
    const m = trayModel({ ...base, interception: { paused: false, allowed: false } });
    expect(action(m.items, 'pause')).toEqual({ kind: 'action', id: 'pause', label: 'Pause interception (not allowed by your organization)', enabled: false });
  });

  it('offers no pause when the engine cannot pause', () => {
    const m = trayModel(base);
    expect(action(m.items, 'pause')).toBeUndefined();
    expect(action(m.items, 'resume')).toBeUndefined();
  });

  it('engine down: red icon, how many failures, why, when it tries again, and a restart button', () => {
    const m = trayModel({ ...base, engine: { phase: 'down', failures: 5, reason: 'The audit store is locked [STORE_LOCKED]', retryAt: NOW + 30_000 } });
    expect(m.state).toBe('engine-down');
    expect(m.icon).toBe('tray-engine-down');
    expect(m.items[0]).toEqual({ kind: 'label', label: 'Engine down after 5 failures: The audit store is locked [STORE_LOCKED] (next try in 30 s)' });
    expect(action(m.items, 'restart-engine')).toMatchObject({ enabled: true });
  });

  it('restarting after a crash: needs attention, shows the reason and the countdown', () => {
    const m = trayModel({ ...base, engine: { phase: 'restarting', failures: 1, reason: 'it exited (code 1)', retryAt: NOW + 1500 } });
    expect(m.state).toBe('attention');
    expect(m.items[0]).toEqual({ kind: 'label', label: 'Engine stopped: it exited (code 1) — restarting in 2 s' });
  });

  it('signed out where sign-in is expected: says why to sign in, and offers it', () => {
    const m = trayModel({ ...base, pending: 2, identity: { signedIn: false, user: null, required: true } });
    expect(m.state).toBe('signed-out');
    expect(m.icon).toBe('tray-signed-out');
    expect(m.items[0]).toEqual({ kind: 'label', label: 'Signed out: sign in so your Copilot use is recorded under your name' });
    expect(action(m.items, 'sign-in')).toMatchObject({ label: 'Sign in…', enabled: true });
    const signedIn = trayModel({ ...base, identity: { signedIn: true, user: 'ada@example.com', required: true } });
    expect(signedIn.state).toBe('running');
    expect(action(signedIn.items, 'sign-out')).toMatchObject({ label: 'Sign out (ada@example.com)' });
  });

  it('starting: no engine actions yet, the window can still open', () => {
    const m = trayModel({ ...base, engine: { phase: 'starting', attempt: 1 }, status: null });
    expect(m.state).toBe('starting');
    expect(m.items[0]).toEqual({ kind: 'label', label: 'Starting the engine…' });
    expect(action(m.items, 'open-window')).toMatchObject({ enabled: true });
    expect(action(trayModel({ ...base, engine: { phase: 'starting', attempt: 1 }, interception: { paused: false } }).items, 'pause')).toMatchObject({ enabled: false });
  });

  it('start at login locked by IT: checked as IT says and not clickable', () => {
    const m = trayModel({ ...base, startAtLogin: { supported: true, enabled: false, locked: true } });
    expect(action(m.items, 'toggle-start-at-login')).toEqual({
      kind: 'checkbox',
      id: 'toggle-start-at-login',
      label: 'Start at login (set by your organization)',
      checked: false,
      enabled: false,
    });
    expect(action(trayModel({ ...base, startAtLogin: { supported: false, enabled: false, locked: false } }).items, 'toggle-start-at-login')).toBeUndefined();
  });

  it('an engine started from a terminal is named as such', () => {
    expect(trayModel({ ...base, engine: { phase: 'running', pid: 1, external: true } }).items[0]).toMatchObject({ label: 'Running (started outside the app) — 12 Copilot requests audited' });
  });

  it('shows sign-in when it is configured or required by policy, from either engine version', () => {
    expect(trayIdentity(null)).toBeNull();
    expect(trayIdentity({ signedIn: false, user: null, required: false, configured: false })).toBeNull();
    expect(trayIdentity({ signedIn: false, user: null, required: false, configured: true })).toEqual({ signedIn: false, user: null, required: true });
    expect(trayIdentity({ signedIn: false, user: null, required: true, configured: false })).toEqual({ signedIn: false, user: null, required: true });
    // An engine from before `configured`: `required` meant "configured".
    expect(trayIdentity({ signedIn: true, user: 'ada@example.com', required: true })).toEqual({ signedIn: true, user: 'ada@example.com', required: true });
    expect(trayState({ ...base, identity: trayIdentity({ signedIn: false, user: null, required: false, configured: true }) })).toBe('signed-out');
  });
});
