/**
 * The shell's windows: the main window (hidden, not destroyed, when closed: the app lives
 * in the tray) and one small always-on-top popup per pending approval. Every window loads
 * the bundled UI from app://witness with the same secure webPreferences and preload.
 */
import { BrowserWindow } from 'electron';
import type { ApprovalView } from '../../proxy/control/index.js';
import { APP_HOST, APP_SCHEME, PRODUCT_NAME, secureWebPreferences, type PopupHandle, type Rect } from '../core/index.js';

export function appUrl(route: string): string {
  return `${APP_SCHEME}://${APP_HOST}/index.html#/${route}`;
}

export class Windows {
  private main: BrowserWindow | null = null;
  private readonly own = new Set<number>();
  private quitting = false;

  constructor(
    private readonly preload: string,
    private readonly icon: string | undefined,
  ) {}

  /** A webContents the shell created (IPC is answered only for these). */
  isOwn(webContentsId: number): boolean {
    return this.own.has(webContentsId);
  }

  showMain(route = 'live'): void {
    if (!this.main || this.main.isDestroyed()) {
      const win = new BrowserWindow({
        width: 1280,
        height: 800,
        minWidth: 720,
        minHeight: 480,
        show: false,
        title: PRODUCT_NAME,
        ...(this.icon ? { icon: this.icon } : {}),
        webPreferences: secureWebPreferences(this.preload),
      });
      this.track(win);
      win.on('close', (e) => {
        // Closing the window keeps Witness running in the tray; Quit is in the tray menu.
        if (this.quitting) return;
        e.preventDefault();
        win.hide();
      });
      win.once('ready-to-show', () => win.show());
      void win.loadURL(appUrl(route));
      this.main = win;
      return;
    }
    const win = this.main;
    const target = appUrl(route);
    if (win.webContents.getURL() !== target) void win.loadURL(target);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /**
   * A popup for one approval. It appears on top without taking keyboard focus, so keys
   * meant for the editor can never decide it (its shortcuts work once someone clicks it).
   */
  openPopup(a: ApprovalView, bounds: Rect, onUserClose: () => void): PopupHandle {
    const win = new BrowserWindow({
      ...bounds,
      show: false,
      alwaysOnTop: true,
      resizable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      title: `${PRODUCT_NAME}: approve ${a.tool}?`,
      ...(this.icon ? { icon: this.icon } : {}),
      webPreferences: secureWebPreferences(this.preload),
    });
    this.track(win);
    // Above full-screen editors too, where the OS allows it.
    win.setAlwaysOnTop(true, 'floating');
    win.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
    let closedByShell = false;
    win.on('closed', () => {
      if (!closedByShell) onUserClose();
    });
    win.once('ready-to-show', () => win.showInactive());
    void win.loadURL(appUrl(`approval/${encodeURIComponent(a.id)}`));
    return {
      close: () => {
        closedByShell = true;
        if (!win.isDestroyed()) win.destroy();
      },
      focus: () => {
        if (win.isDestroyed()) return;
        win.show();
        win.focus();
      },
    };
  }

  /** On quit: let the main window really close. */
  closeAll(): void {
    this.quitting = true;
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.destroy();
  }

  private track(win: BrowserWindow) {
    const id = win.webContents.id;
    this.own.add(id);
    win.on('closed', () => this.own.delete(id));
  }
}
