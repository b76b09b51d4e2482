/**
 * The Electron main process, wired, with `electron` mocked (the binary cannot run here) and
 * everything else real: the engine is the real `witness start` in a child process, the
 * approvals come from real held tool calls through the real proxy, decisions go through the
 * real control API.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));

import { app, fake, FakeWebContents, resetFake, type FakeBrowserWindow } from './fake-electron.js';
import { startShell, type Shell } from '../../electron/main/shell.js';
import { createControlClient, type ControlClient } from '../../proxy/control/index.js';
import { readControlFile } from '../../proxy/control-server/index.js';
import { ENGINE_V8_FLAGS } from '../../proxy/gc-tuning.js';
import { startFakeUpstream, UPSTREAM_NAMES, type FakeUpstream } from '../helpers/fake-upstream.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/security-policy.js';

/** Resolves when `pred` holds, re-checked on every supervisor change and tray redraw. */
async function until<T>(pred: () => T | undefined | null | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function senderEvent(win: FakeBrowserWindow | null, over: { url?: string; parent?: unknown; destroyed?: boolean; senderId?: number } = {}) {
  return {
    sender: { id: over.senderId ?? win?.webContents.id ?? 999 },
    senderFrame: { url: over.url ?? win?.webContents.url ?? '', parent: over.parent ?? null, isDestroyed: () => over.destroyed ?? false },
  };
}

const mainWindow = () => fake.windows.find((w) => w.webContents.url.includes('#/live') || w.webContents.url.includes('#/approvals'))!;
const popups = () => fake.windows.filter((w) => w.webContents.url.includes('#/approval/') && !w.destroyed);
const tray = () => fake.trays[0]!;

describe('desktop shell with a real engine', () => {
  let upstream: FakeUpstream;
  let shell: Shell;
  let dataDir: string;
  let api: ControlClient;
  let caPem: string;
  let proxyPort: number;

  beforeAll(async () => {
    resetFake();
    upstream = await startFakeUpstream();
    dataDir = mkdtempSync(join(tmpdir(), 'witness-shell-'));
    const caFile = join(dataDir, 'upstream-ca.pem');
    writeFileSync(caFile, upstream.root.certPem);
    const resolve = Object.fromEntries(UPSTREAM_NAMES.filter((n) => !/^[\d.]+$|localhost/.test(n)).map((n) => [n, `127.0.0.1:${upstream.port}`]));
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ proxy: { port: 0 }, upstream: { resolve, caFile } }));
    shell = (await startShell({ env: { ...process.env, WITNESS_DATA_DIR: dataDir }, platform: 'linux', argv: ['electron', '.'] }))!;
    await until(() => shell.supervisor.state.phase === 'running', 'the engine to run', 90_000);
    const control = readControlFile(dataDir)!;
    api = createControlClient({ url: control.url, token: control.token });
    proxyPort = Number(new URL(control.proxyUrl).port);
    const ca = await fetch(new URL('/api/v1/ca.pem', control.url), { headers: { authorization: `Bearer ${control.token}` } });
    caPem = await ca.text();
  }, 120_000);

  afterAll(async () => {
    await shell?.shutdown();
    await upstream?.close();
  });

  /** A run_in_terminal call the default policy holds; settles once decided. */
  const heldToolCall = () =>
    requestViaProxy({ proxyPort, host: 'api.business.githubcopilot.com', path: '/v1/messages?fixture=05-messages.response-tooluse.sse.txt', method: 'POST', body: '{}', ca: caPem });

  it('runs the engine in a utility process with the engine\'s V8 flags, from the CLI launcher in the bundle', () => {
    expect(fake.forks).toHaveLength(1);
    const f = fake.forks[0]!;
    expect(f.modulePath).toBe(join(app.getAppPath(), 'bin', 'witness.js'));
    expect(f.args).toEqual(['start', '--json']);
    expect(f.options.execArgv).toEqual([ENGINE_V8_FLAGS]);
    expect(shell.supervisor.engine).toMatchObject({ pid: f.child.pid, external: false, dataDir });
  });

  it('opens the window on the app:// scheme with the secure preferences and the preload bridge', () => {
    const win = mainWindow();
    expect(win.webContents.url).toBe('app://witness/index.html#/live');
    expect(win.visible).toBe(true);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(win.options.webPreferences.preload).toBe(join(app.getAppPath(), 'dist', 'electron', 'preload', 'preload.cjs'));
    expect(fake.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
  });

  it('serves the built UI on app:// with the CSP, and nothing outside it', async () => {
    const serve = fake.protocolHandlers.get('app')!;
    const index = (await serve({ method: 'GET', url: 'app://witness/index.html' })) as Response;
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await index.text()).toContain('<div id="root">');
    expect(((await serve({ method: 'GET', url: 'app://witness/../../package.json' })) as Response).status).not.toBe(200);
    expect(((await serve({ method: 'GET', url: 'app://witness/nope.js' })) as Response).status).toBe(404);
  });

  it('tells the window where the engine is over IPC, and refuses every other sender', async () => {
    const handler = fake.ipcHandlers.get('witness:control-endpoint')!;
    const control = readControlFile(dataDir)!;
    expect(await handler(senderEvent(mainWindow()))).toEqual({ url: control.url, token: control.token });
    const refused = /WITNESS_IPC_REFUSED/;
    await expect(handler(senderEvent(mainWindow(), { url: 'https://evil.example/' }))).rejects.toThrow(refused);
    await expect(handler(senderEvent(mainWindow(), { parent: {} }))).rejects.toThrow(refused);
    await expect(handler(senderEvent(mainWindow(), { destroyed: true }))).rejects.toThrow(refused);
    await expect(handler(senderEvent(null, { url: 'app://witness/index.html', senderId: 12345 }))).rejects.toThrow(refused);
    await expect(handler({ sender: { id: mainWindow().webContents.id }, senderFrame: null })).rejects.toThrow(refused);
  });

  it('gives every webContents the security hooks, including ones created later', () => {
    const later = new FakeWebContents();
    app.emit('web-contents-created', {}, later);
    for (const wc of [...fake.windows.map((w) => w.webContents), later]) {
      expect(wc.fire('will-navigate', 'https://evil.example/')).toBe(true);
      expect(wc.fire('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
      expect(wc.fire('will-frame-navigate', 'file:///etc/passwd')).toBe(true);
      expect(wc.fire('will-navigate', 'app://witness/index.html#/setup')).toBe(false);
      expect(wc.fire('will-attach-webview', 'app://witness/')).toBe(true);
      expect(wc.windowOpenHandler!({ url: 'https://github.com/' })).toEqual({ action: 'deny' });
    }
    const asked: boolean[] = [];
    fake.permissionRequest!(null, 'notifications', (ok: boolean) => asked.push(ok), { requestingUrl: 'app://witness/index.html' });
    fake.permissionRequest!(null, 'loopback-network', (ok: boolean) => asked.push(ok), { requestingUrl: 'app://witness/index.html' });
    fake.permissionRequest!(null, 'loopback-network', (ok: boolean) => asked.push(ok), { requestingUrl: 'https://evil.example/' });
    expect(asked).toEqual([false, true, false]);
    expect(fake.permissionCheck!(null, 'media', 'app://witness', {})).toBe(false);
    expect(fake.devicePermission!({})).toBe(false);
  });

  it('pops up a 420×560 always-on-top window and a notification when a tool call is held, and closes it when decided', async () => {
    const held = heldToolCall();
    const popup = await until(() => popups()[0], 'a popup');
    const id = decodeURIComponent(popup.webContents.url.split('#/approval/')[1]!);
    expect(popup.webContents.url).toBe(`app://witness/index.html#/approval/${encodeURIComponent(id)}`);
    expect(popup.options).toMatchObject({ width: 420, height: 560, alwaysOnTop: true, resizable: false });
    expect(popup.alwaysOnTop).toEqual([true, 'floating']);
    await until(() => popup.visible, 'the popup to show');
    // Shown without taking keyboard focus: keys typed into the editor cannot decide it.
    expect(popup.shownInactive).toBe(true);
    expect(popup.focused).toBe(false);
    const note = await until(() => fake.notifications.find((n) => n.shown), 'a notification');
    expect(note.options.title).toMatch(/wants to run a command$/);
    expect(note.options.body).toMatch(/Denied automatically in \d:\d\d\.$/);
    await until(() => tray().tooltip.includes('Running') && shell.trayInput().pending === 1, 'the tray count');
    expect(tray().menu!.items.map((i) => i.label)).toContain('1 approval waiting — Open…');

    const [pending] = await api.call('approvals', {});
    expect(pending!.id).toBe(id);
    await api.call('decide', { id, decision: 'deny', argsHash: pending!.argsHash });
    await until(() => popup.destroyed, 'the popup to close');
    await until(() => shell.trayInput().pending === 0, 'the tray count to drop');
    expect((await held).status).toBe(200);
  });

  it('closing a popup takes no decision: the call stays held, the popup does not come back', async () => {
    const held = heldToolCall();
    const popup = await until(() => popups()[0], 'a popup');
    popup.close();
    expect(popup.destroyed).toBe(true);
    const list = await api.call('approvals', {});
    expect(list).toHaveLength(1);
    expect(list[0]!.status).toBe('pending');
    expect(shell.trayInput().pending).toBe(1);
    // The tray's entry opens the window at the approvals view.
    const open = tray().menu!.items.find((i) => i.label === '1 approval waiting — Open…');
    open.click();
    expect(mainWindow().webContents.url).toBe('app://witness/index.html#/approvals');
    expect(popups()).toHaveLength(0);
    await api.call('decide', { id: list[0]!.id, decision: 'deny', argsHash: list[0]!.argsHash });
    await held;
  });

  it('the tray pauses interception after asking, shows it paused, and resumes it', async () => {
    const item = (label: string) => tray().menu!.items.find((i) => i.label === label);
    await until(() => item('Pause interception…'), 'the pause item');
    // Cancelled: nothing changes.
    fake.dialogResponse = 1;
    item('Pause interception…').click();
    await until(() => fake.dialogs.length === 1, 'the question');
    expect(fake.dialogs[0]).toMatchObject({ type: 'warning', message: 'Pause interception?', buttons: ['Pause interception', 'Cancel'], cancelId: 1 });
    expect((await api.status()).interception.paused).toBe(false);
    // Confirmed: paused in the engine, grey ‖ in the tray, Resume offered.
    fake.dialogResponse = 0;
    item('Pause interception…').click();
    await until(() => shell.trayInput().interception?.paused, 'the tray to show the pause');
    expect((await api.status()).interception).toMatchObject({ paused: true, via: 'tray' });
    await until(() => tray().tooltip.startsWith('Witness — Paused until'), 'the paused tooltip');
    expect(tray().image).toMatchObject({ path: expect.stringMatching(/tray-paused\.png$/) });
    item('Resume interception').click();
    await until(() => shell.trayInput().interception?.paused === false, 'the tray to show interception again');
    expect((await api.status()).interception.paused).toBe(false);
    expect(tray().image).toMatchObject({ path: expect.stringMatching(/tray-running\.png$/) });
  });

  it('a second launch shows and focuses the existing window', () => {
    const win = mainWindow();
    win.close(); // closing hides it: Witness stays in the tray
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    app.emit('second-instance', {}, ['witness-desktop']);
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(true);
  });

  it('quitting stops the engine and removes its control file before the app exits', async () => {
    const pid = shell.supervisor.engine!.pid;
    const exited = new Promise((r) => fake.forks[0]!.child.once('exit', r));
    app.quit();
    expect(fake.quitted).toBe(false); // held back until the engine is down
    await exited;
    await until(() => fake.quitted, 'the app to quit');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(join(dataDir, 'control.json'))).toBe(false);
    expect(tray().destroyed).toBe(true);
  });
});

describe('desktop shell glue without an engine', () => {
  it('a second instance does not start: it hands over to the first and quits', async () => {
    resetFake();
    fake.lockAvailable = false;
    expect(await startShell({ platform: 'linux' })).toBeNull();
    expect(fake.quitCalls).toBe(1);
    expect(fake.windows).toHaveLength(0);
    expect(fake.forks).toHaveLength(0);
  });

  it('an engine that keeps crashing: restarts with backoff, then the tray says "engine down" and why', async () => {
    resetFake();
    const appPath = mkdtempSync(join(tmpdir(), 'witness-crashing-app-'));
    mkdirSync(join(appPath, 'bin'));
    writeFileSync(join(appPath, 'bin', 'witness.js'), "process.stderr.write('witness: Policy file /etc/witness/policy.json is not valid JSON [CONFIG_INVALID]\\n'); process.exit(1);\n");
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-shell-'));
    const shell = (await startShell({ appPath, env: { ...process.env, WITNESS_DATA_DIR: dataDir }, platform: 'linux', argv: ['x', '--autostart'], supervisor: { maxFailures: 3, backoffMs: [10, 20, 60_000] } }))!;
    try {
      // Started at login: tray only, no window.
      expect(fake.windows).toHaveLength(0);
      await until(() => shell.supervisor.state.phase === 'down', 'the engine to be down');
      expect(fake.forks).toHaveLength(3);
      expect(tray().tooltip).toMatch(/^Witness — Engine down after 3 failures: Policy file \/etc\/witness\/policy\.json is not valid JSON \[CONFIG_INVALID\] \(next try in \d+ (s|min)\)$/);
      expect(tray().image).toEqual({ path: join(appPath, 'electron', 'assets', 'tray-engine-down.png') });
      const restart = tray().menu!.items.find((i) => i.label === 'Restart engine now');
      restart.click();
      await until(() => fake.forks.length === 4, 'a restart right away');
    } finally {
      await shell.shutdown();
    }
  });
});
