/**
 * A stand-in for the `electron` module in unit tests (the Electron binary cannot run here,
 * and importing the real module would try to download it). Only the surface the shell
 * uses, recording what it is asked to do. utilityProcess.fork runs a real Node child, so
 * the shell's engine is the real engine. Tests load it with
 * `vi.mock('electron', () => import('./fake-electron.js'))`.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Handler = (...args: any[]) => any;

export const fake = {
  lockAvailable: true,
  quitCalls: 0,
  quitted: false,
  paths: {} as Record<string, string>,
  loginItem: null as null | { openAtLogin: boolean; args?: string[] },
  userModelId: null as string | null,
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, Handler>(),
  ipcHandlers: new Map<string, Handler>(),
  permissionRequest: null as Handler | null,
  permissionCheck: null as Handler | null,
  devicePermission: null as Handler | null,
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as FakeNotification[],
  forks: [] as Array<{ modulePath: string; args: string[]; options: any; child: ReturnType<typeof spawn> }>,
  exposed: new Map<string, unknown>(),
  rendererInvokes: [] as string[],
  workArea: { x: 0, y: 25, width: 1920, height: 1055 },
  /** The button a message box answers with (0: the first, e.g. "Pause interception"), and the boxes shown. */
  dialogResponse: 0,
  dialogs: [] as Array<Record<string, unknown>>,
  /** What safeStorage reports: a real secret service unless a test says otherwise. */
  safeStorage: { available: true, backend: 'gnome_libsecret', key: randomBytes(32), encrypts: 0 },
};

export function resetFake(): void {
  const dir = mkdtempSync(join(tmpdir(), 'witness-fake-electron-'));
  Object.assign(fake, {
    lockAvailable: true,
    quitCalls: 0,
    quitted: false,
    paths: { userData: join(dir, 'userData'), logs: join(dir, 'logs'), temp: dir },
    loginItem: null,
    userModelId: null,
    schemes: [],
    protocolHandlers: new Map(),
    ipcHandlers: new Map(),
    permissionRequest: null,
    permissionCheck: null,
    devicePermission: null,
    windows: [],
    trays: [],
    notifications: [],
    forks: [],
    exposed: new Map(),
    rendererInvokes: [],
    safeStorage: { available: true, backend: 'gnome_libsecret', key: randomBytes(32), encrypts: 0 },
    dialogResponse: 0,
    dialogs: [],
  });
  app.removeAllListeners();
}

class FakeApp extends EventEmitter {
  requestSingleInstanceLock() {
    return fake.lockAvailable;
  }
  whenReady() {
    return Promise.resolve();
  }
  getAppPath() {
    return fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
  }
  getPath(name: string) {
    const p = fake.paths[name];
    if (!p) throw new Error(`fake app.getPath: ${name}`);
    return p;
  }
  setAppUserModelId(id: string) {
    fake.userModelId = id;
  }
  setLoginItemSettings(s: { openAtLogin: boolean; args?: string[] }) {
    fake.loginItem = s;
  }
  getLoginItemSettings() {
    return { openAtLogin: fake.loginItem?.openAtLogin ?? false, wasOpenedAtLogin: false };
  }
  /** Like Electron: before-quit may be prevented; otherwise the app is gone. */
  quit() {
    fake.quitCalls++;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) fake.quitted = true;
  }
  isPackaged = false;
}
export const app = new FakeApp();

let nextWebContentsId = 1;
export class FakeWebContents extends EventEmitter {
  readonly id = nextWebContentsId++;
  url = '';
  windowOpenHandler: Handler | null = null;
  setWindowOpenHandler(h: Handler) {
    this.windowOpenHandler = h;
  }
  getURL() {
    return this.url;
  }
  /** Runs the listeners of a cancellable event the way Electron does; true if one prevented it. */
  fire(event: string, url: string): boolean {
    let prevented = false;
    this.emit(event, { url, preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  destroyed = false;
  visible = false;
  focused = false;
  shownInactive = false;
  alwaysOnTop: unknown[] | null = null;
  minimized = false;
  constructor(readonly options: any) {
    super();
    fake.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  static getAllWindows() {
    return fake.windows.filter((w) => !w.destroyed);
  }
  async loadURL(url: string) {
    this.webContents.url = url;
    // Tests say when a page is ready; the shell shows windows on ready-to-show.
    queueMicrotask(() => this.emit('ready-to-show'));
  }
  show() {
    this.visible = true;
  }
  showInactive() {
    this.visible = true;
    this.shownInactive = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  setAlwaysOnTop(...args: unknown[]) {
    this.alwaysOnTop = args;
  }
  setVisibleOnAllWorkspaces() {}
  /** The person clicks the close button. */
  close() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.destroy();
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
  }
}
export const BrowserWindow = FakeBrowserWindow;

export class FakeTray extends EventEmitter {
  image: unknown;
  tooltip = '';
  menu: { items: any[] } | null = null;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    fake.trays.push(this);
  }
  setImage(i: unknown) {
    this.image = i;
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(m: { items: any[] }) {
    this.menu = m;
  }
  destroy() {
    this.destroyed = true;
  }
}
export const Tray = FakeTray;

export const Menu = { buildFromTemplate: (items: any[]) => ({ items }) };
export const nativeImage = { createFromPath: (path: string) => ({ path }) };

export class FakeNotification extends EventEmitter {
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
    fake.notifications.push(this);
  }
  static isSupported() {
    return true;
  }
  show() {
    this.shown = true;
  }
}
export const Notification = FakeNotification;

export const protocol = {
  registerSchemesAsPrivileged: (s: unknown[]) => fake.schemes.push(...s),
  handle: (scheme: string, h: Handler) => fake.protocolHandlers.set(scheme, h),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: Handler) => (fake.permissionRequest = h),
    setPermissionCheckHandler: (h: Handler) => (fake.permissionCheck = h),
    setDevicePermissionHandler: (h: Handler) => (fake.devicePermission = h),
  },
};

export const ipcMain = {
  handle: (channel: string, h: Handler) => fake.ipcHandlers.set(channel, h),
};

export const screen = { getPrimaryDisplay: () => ({ workArea: fake.workArea }) };

/**
 * A real Node child process standing in for Electron's utility process: its message port
 * is the Node IPC channel (parent: on('message') / postMessage; child: process.parentPort,
 * from fixtures/parent-port.mjs), with structured clone like Electron's.
 */
const PARENT_PORT_SHIM = new URL('./fixtures/parent-port.mjs', import.meta.url).href;
export const utilityProcess = {
  fork(modulePath: string, args: string[], options: { execArgv?: string[]; env?: Record<string, string>; stdio?: string }) {
    const child = spawn(process.execPath, ['--import', PARENT_PORT_SHIM, ...(options.execArgv ?? []), modulePath, ...args], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    // Electron's UtilityProcess.postMessage; a message after the child exited is dropped, as there
    // (also one that races the child's exit: the channel can close between the check and the write).
    const postMessage = (message: unknown) => {
      if (child.connected) child.send(message as never, (err) => void err);
    };
    fake.forks.push({ modulePath, args, options, child });
    return Object.assign(child, { postMessage });
  },
};

/**
 * safeStorage's async API: AES-256-GCM under a per-test key, standing in for the OS keychain.
 * Only the main process sees it; the engine gets secrets through the vault's messages.
 */
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => fake.safeStorage.available,
  getSelectedStorageBackend: () => fake.safeStorage.backend,
  encryptStringAsync: async (text: string) => {
    fake.safeStorage.encrypts++;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', fake.safeStorage.key, iv);
    const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  },
  decryptStringAsync: async (buf: Buffer) => {
    const d = createDecipheriv('aes-256-gcm', fake.safeStorage.key, buf.subarray(0, 12));
    d.setAuthTag(buf.subarray(12, 28));
    return { result: Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8'), shouldReEncrypt: false };
  },
};

export const contextBridge = {
  exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api),
};
export const ipcRenderer = {
  invoke: async (channel: string) => {
    fake.rendererInvokes.push(channel);
    return { channel };
  },
};

export const shell = { openExternal: async () => undefined };

export const dialog = {
  showMessageBox: async (options: Record<string, unknown>) => {
    fake.dialogs.push(options);
    return { response: fake.dialogResponse, checkboxChecked: false };
  },
};
export default { app, BrowserWindow, Tray, Menu, nativeImage, Notification, protocol, session, ipcMain, screen, utilityProcess, safeStorage, contextBridge, ipcRenderer, shell, dialog };
