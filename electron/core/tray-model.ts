/**
 * The tray as a pure function: what the shell knows (engine phase, status, pending
 * approvals, pause, sign-in, start at login) → one state, its icon, a tooltip and the menu.
 * Every action is in the menu (a tray click means different things per desktop). The glue
 * turns items into an Electron Menu; nothing here touches Electron.
 */
import type { EnginePhase } from './engine-phase.js';

export type TrayState = 'starting' | 'running' | 'paused' | 'attention' | 'engine-down' | 'signed-out';

export type TrayAction =
  | 'open-window'
  | 'open-approvals'
  | 'pause'
  | 'resume'
  | 'sign-in'
  | 'sign-out'
  | 'open-setup'
  | 'toggle-start-at-login'
  | 'restart-engine'
  | 'quit';

export type MenuItemModel =
  | { kind: 'label'; label: string }
  | { kind: 'action'; id: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; id: TrayAction; label: string; checked: boolean; enabled: boolean }
  | { kind: 'separator' };

export interface TrayInput {
  engine: EnginePhase;
  /** From the engine's status; null until the first answer. */
  status: {
    interceptedCount: number;
    lastInterceptedAt: string | null;
    auditIssues: string[];
    policyProblem?: string | null;
    /** The engine's status health: "warn" when clients rejected the Witness CA since the last success (issue 18). */
    health?: { level: 'ok' | 'idle' | 'warn'; message: string } | null;
  } | null;
  /** Decisions waiting for someone. */
  pending: number;
  /** null: this engine cannot pause interception. `allowed` false: the policy forbids pausing; `until`: when a pause ends by itself. */
  interception: { paused: boolean; allowed?: boolean; until?: string | null } | null;
  /** null: sign-in is not configured (or the engine does not know about identity). `required`: this installation expects someone signed in. */
  identity: { signedIn: boolean; user: string | null; required: boolean } | null;
  startAtLogin: { supported: boolean; enabled: boolean; locked: boolean };
  /** Standing facts worth a line in the menu (e.g. no OS keychain on this desktop). */
  notices?: string[];
  now: number;
}

export interface TrayModel {
  state: TrayState;
  /** The icon file's base name (build/icons/tray/<icon>.png). */
  icon: `tray-${TrayState}`;
  tooltip: string;
  items: MenuItemModel[];
}

export function trayModel(input: TrayInput): TrayModel {
  const state = trayState(input);
  const line = statusLine(input, state);
  const items: MenuItemModel[] = [{ kind: 'label', label: line }];
  for (const notice of input.notices ?? []) items.push({ kind: 'label', label: notice });
  // Never a plain "Running" while clients refuse the CA: the words say what is wrong and what to run.
  if (input.status?.health?.level === 'warn') items.push({ kind: 'label', label: input.status.health.message });
  if (input.status && input.status.auditIssues.length > 0) {
    items.push({ kind: 'label', label: `Audit store: ${plural(input.status.auditIssues.length, 'problem')} (see Setup)` });
  }
  if (input.status?.policyProblem) {
    items.push({ kind: 'label', label: 'Policy file rejected: the last good policy stays in force (see `witness status`)' });
  }
  const running = input.engine.phase === 'running';
  items.push(
    input.pending > 0
      ? { kind: 'action', id: 'open-approvals', label: `${plural(input.pending, 'approval')} waiting — Open…`, enabled: true }
      : { kind: 'label', label: 'No approvals waiting' },
    { kind: 'separator' },
  );
  if (input.interception) {
    const i = input.interception;
    items.push(
      i.paused
        ? { kind: 'action', id: 'resume', label: 'Resume interception', enabled: running }
        : i.allowed === false
          ? { kind: 'action', id: 'pause', label: 'Pause interception (not allowed by your organization)', enabled: false }
          : { kind: 'action', id: 'pause', label: 'Pause interception…', enabled: running },
    );
  }
  items.push({ kind: 'action', id: 'open-window', label: 'Open Witness', enabled: true });
  if (input.identity) {
    items.push(
      input.identity.signedIn
        ? { kind: 'action', id: 'sign-out', label: `Sign out${input.identity.user ? ` (${input.identity.user})` : ''}`, enabled: running }
        : { kind: 'action', id: 'sign-in', label: 'Sign in…', enabled: running },
    );
  }
  items.push({ kind: 'action', id: 'open-setup', label: 'Setup and doctor…', enabled: true });
  if (input.startAtLogin.supported) {
    items.push({
      kind: 'checkbox',
      id: 'toggle-start-at-login',
      label: input.startAtLogin.locked ? 'Start at login (set by your organization)' : 'Start at login',
      checked: input.startAtLogin.enabled,
      enabled: !input.startAtLogin.locked,
    });
  }
  if (input.engine.phase === 'restarting' || input.engine.phase === 'down') {
    items.push({ kind: 'action', id: 'restart-engine', label: 'Restart engine now', enabled: true });
  }
  items.push({ kind: 'separator' }, { kind: 'action', id: 'quit', label: 'Quit Witness', enabled: true });
  return { state, icon: `tray-${state}`, tooltip: `Witness — ${line}`, items };
}

/**
 * The tray's sign-in facts from `status.identity`: shown when sign-in is configured or the
 * policy requires it (an engine from before `configured` sent `required` for "configured").
 */
export function trayIdentity(i: { signedIn: boolean; user: string | null; required: boolean; configured?: boolean } | null | undefined): TrayInput['identity'] {
  if (!i) return null;
  const expected = (i.configured ?? false) || i.required;
  return expected ? { signedIn: i.signedIn, user: i.user, required: true } : null;
}

/** Most urgent first: an engine that is down beats everything, then sign-in, then decisions. */
export function trayState(input: TrayInput): TrayState {
  const e = input.engine;
  if (e.phase === 'down') return 'engine-down';
  if (e.phase === 'restarting') return 'attention';
  if (e.phase !== 'running') return 'starting';
  if (input.identity?.required && !input.identity.signedIn) return 'signed-out';
  const s = input.status;
  if (input.pending > 0 || (s?.auditIssues.length ?? 0) > 0 || s?.policyProblem || s?.health?.level === 'warn') return 'attention';
  if (input.interception?.paused) return 'paused';
  return 'running';
}

function statusLine(input: TrayInput, state: TrayState): string {
  const e = input.engine;
  switch (e.phase) {
    case 'down':
      return `Engine down after ${plural(e.failures, 'failure')}: ${e.reason}${e.retryAt ? ` (next try in ${seconds(e.retryAt - input.now)})` : ''}`;
    case 'restarting':
      return `Engine stopped: ${e.reason} — restarting in ${seconds(e.retryAt - input.now)}`;
    case 'starting':
      return e.attempt > 1 ? `Starting the engine (attempt ${e.attempt})…` : 'Starting the engine…';
    case 'stopping':
      return 'Stopping…';
    case 'idle':
    case 'stopped':
      return 'Engine not running';
    case 'running':
      break;
  }
  if (state === 'signed-out') return 'Signed out: sign in so your Copilot use is recorded under your name';
  if (input.interception?.paused) {
    const until = input.interception.until ? ` until ${clock(input.interception.until)}` : '';
    return `Paused${until}: Copilot traffic passes unaudited (recorded)`;
  }
  const n = input.status?.interceptedCount ?? 0;
  return `Running${e.external ? ' (started outside the app)' : ''} — ${plural(n, 'Copilot request')} audited`;
}

/** "14:05": the local time of day, for a pause that ends today or tomorrow. */
function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}
