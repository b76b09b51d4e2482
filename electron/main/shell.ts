/**
 * The desktop shell, wired: single-instance lock, app:// scheme and security hooks, the
 * supervised engine, the live view of it over the control API, tray, windows, approval
 * popups and notifications, start at login. Wiring only: every decision is made in
 * electron/core/ (plain modules tested without Electron).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, dialog, ipcMain, protocol, safeStorage, screen, session } from 'electron';
import { defaultDataDir } from '../../proxy/config/index.js';
import type { KeyVault } from '../../proxy/keys/index.js';
import { APP_ID, chooseDesktopVault, endpointFor, engineCommand, EngineSupervisor, EngineWatch, findRunningEngine, isProcessAlive, KeychainVault, loadSettings, PopupStack, processTreeOps, saveSettings, startAtLogin, trayIdentity, trayModel, vaultFiles, type RunningEngine, type ShellSettings, type StartAtLoginPolicy, type SupervisorOptions, type TrayInput } from '../core/index.js';
import { CHANNELS } from '../preload/index.js';
import { launchEngine } from './engine-host.js';
import { handle } from './ipc.js';
import { loginItem } from './login-item.js';
import { notifyApproval, notifyText } from './notifications.js';
import { registerAppScheme, serveApp } from './protocol.js';
import { guardSession, guardWebContents } from './security.js';
import { TrayIcon } from './tray.js';
import { Windows } from './windows.js';

export interface ShellOptions {
  /** Root of the app bundle (app.getAppPath() by default): bin/, dist/, renderer/dist/. */
  appPath?: string;
  supervisor?: SupervisorOptions;
  env?: NodeJS.ProcessEnv;
  argv?: readonly string[];
  platform?: NodeJS.Platform;
  /** How long the window's first request for the engine waits while it starts. */
  engineWaitMs?: number;
}

export interface Shell {
  supervisor: EngineSupervisor;
  popups: PopupStack;
  windows: Windows;
  /** The tray as last drawn (tests and diagnostics). */
  trayInput(): TrayInput;
  /** Stops the engine tree and closes everything; the app then quits. */
  shutdown(): Promise<void>;
}

/** Returns null when another instance already runs (it is asked to show its window). */
export async function startShell(opts: ShellOptions = {}): Promise<Shell | null> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const argv = opts.argv ?? process.argv;
  if (platform === 'win32') app.setAppUserModelId(APP_ID);

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  registerAppScheme(protocol);
  const log = shellLog();
  guardWebContents(app, log);
  // Stay in the tray when the last window closes (the default would quit).
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  const appPath = opts.appPath ?? app.getAppPath();
  guardSession(session.defaultSession);
  serveApp(protocol, join(appPath, 'renderer', 'dist'));

  const assets = join(appPath, 'electron', 'assets');
  const appIcon = join(assets, 'icon.png');
  const windows = new Windows(join(appPath, 'dist', 'electron', 'preload', 'preload.cjs'), platform === 'linux' ? appIcon : undefined);

  // Secrets (store key, CA key, sign-in) in the OS keychain, served to the engine; where the
  // OS has no real keychain, the engine keeps its own vault and the tray says so.
  const dataDir = defaultDataDir(platform, env, homedir());
  const choice = await chooseDesktopVault(safeStorage, platform);
  let vault: KeyVault | null = null;
  const notices: string[] = [];
  if (choice.mode === 'os-keychain') {
    const dir = join(dataDir, 'keychain');
    vault = new KeychainVault(dir, safeStorage, vaultFiles(dir));
  } else {
    log.warn('no OS keychain: the engine keeps secrets in its own key vault', { warning: choice.warning });
    notices.push('Secrets: key file in the data dir (no OS keychain)');
  }

  const logsDir = app.getPath('logs');
  mkdirSync(logsDir, { recursive: true });
  const engineLog = join(logsDir, 'engine.log');
  rotateLog(engineLog);
  const tree = processTreeOps(platform, run, (pid, sig) => process.kill(pid, sig));
  const supervisor = new EngineSupervisor(
    {
      launch: () => launchEngine(engineCommand(appPath, env, { keychain: vault !== null }), (line) => appendFileSync(engineLog, line + '\n'), vault),
      readEndpoint: (started) => endpointFor(started, (f) => readFile(f, 'utf8')),
      findRunning: () => findRunningEngine({ read: (f) => readFile(f, 'utf8'), isAlive: (pid) => isProcessAlive(pid), env, platform, home: homedir() }),
      descendants: tree.descendants,
      forceKill: tree.forceKill,
      schedule: (fn, ms) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
      now: () => Date.now(),
    },
    opts.supervisor,
  );

  const popups = new PopupStack({
    open: (a, bounds, onUserClose) => windows.openPopup(a, bounds, onUserClose),
    workArea: () => screen.getPrimaryDisplay().workArea,
    notify: (a) => notifyApproval(a, platform === 'linux' ? appIcon : undefined, () => popups.focus(a.id) || windows.showMain(`approval/${a.id}`)),
  });

  // Start at login: the user's choice, unless IT's policy decides.
  const settingsFile = join(app.getPath('userData'), 'desktop-settings.json');
  const settingsFs = { read: (f: string) => readFileSync(f, 'utf8'), write: (f: string, t: string) => writeFileSync(f, t, { mode: 0o600 }) };
  let settings: ShellSettings = loadSettings(settingsFile, settingsFs);
  const login = loginItem(app, platform, env);
  let loginPolicy: { value: StartAtLoginPolicy; enforced: boolean } = { value: 'user', enforced: false };
  const loginState = () => startAtLogin(loginPolicy.value, loginPolicy.enforced, settings.startAtLogin);
  const applyLogin = () => {
    try {
      login.set(loginState().enabled);
    } catch (e) {
      log.warn('could not change start at login', { err: (e as Error).message });
    }
  };

  let watch: EngineWatch | null = null;
  const input = (): TrayInput => ({
    engine: supervisor.state,
    status: watch?.status
      ? {
          interceptedCount: watch.status.counters.intercepted,
          lastInterceptedAt: watch.status.lastInterceptedAt,
          auditIssues: watch.status.audit.issues,
          policyProblem: watch.status.policy?.problem?.message ?? null,
          health: watch.status.health ?? null,
        }
      : null,
    pending: watch?.pending.length ?? 0,
    // An engine from before pause and sign-in status (started from an older CLI) has neither.
    interception: watch?.status?.interception ?? null,
    identity: trayIdentity(watch?.status?.identity),
    startAtLogin: { supported: login.supported, ...loginState() },
    notices,
    now: Date.now(),
  });

  // A pause lets Copilot traffic through unaudited: say so, and ask first.
  const pauseInterception = async () => {
    const w = watch;
    if (!w) return;
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      buttons: ['Pause interception', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Pause interception?',
      detail:
        'While paused, Copilot traffic passes without inspection: no masking, no approvals, no record of what is said. ' +
        'Each connection is recorded as unaudited, under your name. Interception resumes when you choose Resume, or by itself at the limit your policy sets.',
    });
    if (response !== 0) return;
    try {
      await w.api.call('interceptionPause', { via: 'tray' });
    } catch (e) {
      log.warn('could not pause interception', { err: (e as Error).message });
      notifyText('Witness could not pause interception', (e as Error).message);
    }
  };

  let tray: TrayIcon | null = null;
  const redraw = () => tray?.update(trayModel(input()));
  tray = new TrayIcon(
    assets,
    {
      'open-window': () => windows.showMain('live'),
      'open-approvals': () => windows.showMain('approvals'),
      'open-setup': () => windows.showMain('setup'),
      'restart-engine': () => supervisor.retryNow(),
      'toggle-start-at-login': () => {
        if (loginState().locked) return;
        settings = { ...settings, startAtLogin: !loginState().enabled };
        saveSettings(settingsFile, settings, settingsFs);
        applyLogin();
        redraw();
      },
      quit: () => app.quit(),
      pause: () => void pauseInterception(),
      resume: () => void watch?.api.call('interceptionResume', { via: 'tray' }).catch((e: Error) => log.warn('could not resume interception', { err: e.message })),
      'sign-in': () => windows.showMain('setup'),
      'sign-out': () => windows.showMain('setup'),
    },
    platform,
    trayModel(input()),
  );
  // The tray line counts down to the next restart attempt.
  const ticker = setInterval(() => {
    const p = supervisor.state.phase;
    if (p === 'restarting' || p === 'down') redraw();
  }, 1000);
  ticker.unref();

  const watchEngine = (engine: RunningEngine | null) => {
    watch?.stop();
    watch = null;
    if (!engine) return;
    const w = new EngineWatch(engine.endpoint, {
      requested: (a) => popups.requested(a),
      decided: (a) => popups.decided(a.id),
      resynced: (pending) => {
        popups.reconcile(pending);
        void readLoginPolicy(w);
      },
      policyChanged: () => void readLoginPolicy(w),
      changed: redraw,
      disconnected: () => {
        // An engine started outside the app that went away: run our own.
        if (engine.external && !isProcessAlive(engine.pid)) supervisor.externalLost();
      },
    });
    watch = w;
    w.start();
  };
  const readLoginPolicy = async (w: EngineWatch) => {
    try {
      const p = await w.api.call('policy', {});
      const value = ((p.policy.desktop as { startAtLogin?: StartAtLoginPolicy } | undefined)?.startAtLogin ?? 'user') as StartAtLoginPolicy;
      const source = p.source['desktop.startAtLogin'];
      loginPolicy = { value, enforced: source === 'managed' || source === 'central' };
      applyLogin();
      redraw();
    } catch (e) {
      log.warn('could not read the policy for start at login', { err: (e as Error).message });
    }
  };
  let watched: RunningEngine | null = null;
  supervisor.onChange((_phase, engine) => {
    if (engine !== watched) {
      watched = engine;
      watchEngine(engine);
      if (!engine) popups.closeAll();
    }
    redraw();
  });

  // The window asks where the engine is; it waits while the engine starts.
  handle(ipcMain, CHANNELS.controlEndpoint, (id) => windows.isOwn(id), log, async () => {
    const engine = supervisor.engine ?? (await runningEngine(supervisor, opts.engineWaitMs ?? 60_000));
    return { url: engine.endpoint.url, token: engine.endpoint.token };
  });

  app.on('second-instance', () => windows.showMain('live'));
  let stopping: Promise<void> | null = null;
  const shutdown = () =>
    (stopping ??= (async () => {
      clearInterval(ticker);
      watch?.stop();
      popups.closeAll();
      await supervisor.stop();
      tray?.destroy();
      tray = null;
      windows.closeAll();
    })());
  app.on('before-quit', (e) => {
    if (supervisor.state.phase === 'stopped') return;
    e.preventDefault();
    void shutdown().then(() => app.quit());
  });

  applyLogin();
  void supervisor.start();
  if (!login.startedAtLogin(argv)) windows.showMain('live');

  return { supervisor, popups, windows, trayInput: input, shutdown };
}

/** Resolves with the engine once it runs; rejects with a message for the window after `ms`. */
function runningEngine(supervisor: EngineSupervisor, ms: number): Promise<RunningEngine> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('WITNESS_ENGINE_DOWN: the engine is not running; see the tray menu.'));
    }, ms);
    const off = supervisor.onChange((_p, engine) => {
      if (!engine) return;
      clearTimeout(timer);
      off();
      resolve(engine);
    });
  });
}

/** Keeps one previous engine log once the current one passes 10 MB. */
function rotateLog(file: string): void {
  try {
    if (statSync(file).size > 10 * 1024 * 1024) renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
}

function run(file: string, args: string[]): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(file, args, { windowsHide: true, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      resolve({ stdout: String(stdout), code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** The shell's own log: JSON lines on stderr, like the engine's. Never a token or a URL path. */
function shellLog() {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) =>
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, component: 'shell', ...fields }) + '\n');
  return { warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields) };
}
