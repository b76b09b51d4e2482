// The subset of Electron's API that Witness uses (electron/, build/smoke/): the app
// object, its events and login items, message boxes and the screen. Hand-written, not
// vendored: signatures follow Electron's documented API for the version in
// build/electron-version.ts (https://www.electronjs.org/docs/latest/api/app, .../dialog,
// .../screen), declaring only the members the code uses, so a call outside them fails to
// typecheck until its declaration is added from the documentation (docs/desktop.md).

/// <reference types="node" />

declare module 'electron' {
  /** What every Electron event listener gets first; `Params` are the event's own fields. */
  export type Event<Params extends object = Record<never, never>> = {
    preventDefault: () => void;
    readonly defaultPrevented: boolean;
  } & Params;

  export interface App extends NodeJS.EventEmitter {
    /** Emitted before the app starts closing its windows; preventDefault() keeps it running. */
    on(event: 'before-quit', listener: (event: Event) => void): this;
    /** In the first instance, when a second one called requestSingleInstanceLock(). */
    on(event: 'second-instance', listener: (event: Event, argv: string[], workingDirectory: string, additionalData: unknown) => void): this;
    on(event: 'web-contents-created', listener: (event: Event, webContents: WebContents) => void): this;
    /** Subscribing replaces the default, which is to quit. */
    on(event: 'window-all-closed', listener: () => void): this;
    getAppPath(): string;
    getLoginItemSettings(): LoginItemSettings;
    getPath(name: 'home' | 'appData' | 'assets' | 'userData' | 'sessionData' | 'temp' | 'exe' | 'module' | 'desktop' | 'documents' | 'downloads' | 'music' | 'pictures' | 'videos' | 'recent' | 'logs' | 'crashDumps'): string;
    quit(): void;
    /** false when another instance holds the lock (this one should quit). */
    requestSingleInstanceLock(): boolean;
    /** Windows: the AppUserModelID notifications and the taskbar group by. */
    setAppUserModelId(id: string): void;
    /** macOS and Windows. */
    setLoginItemSettings(settings: Settings): void;
    whenReady(): Promise<void>;
    /** Running from a packaged app, not from `electron .` (the release smoke test checks it). */
    readonly isPackaged: boolean;
  }

  /** app.setLoginItemSettings(): the options Witness sets. */
  export interface Settings {
    openAtLogin?: boolean;
    /** Windows: command-line arguments for the login item. */
    args?: string[];
  }

  /** app.getLoginItemSettings(): the fields Witness reads. */
  export interface LoginItemSettings {
    openAtLogin: boolean;
    /** macOS: the app was opened automatically at login. */
    wasOpenedAtLogin: boolean;
  }

  export interface Dialog {
    showMessageBox(options: MessageBoxOptions): Promise<MessageBoxReturnValue>;
  }

  export interface MessageBoxOptions {
    message: string;
    type?: 'none' | 'info' | 'error' | 'question' | 'warning';
    buttons?: string[];
    /** Index of the button selected by default. */
    defaultId?: number;
    detail?: string;
    /** Index of the button the box answers with when closed another way (Esc). */
    cancelId?: number;
  }

  export interface MessageBoxReturnValue {
    /** Index of the button clicked. */
    response: number;
    checkboxChecked: boolean;
  }

  export interface Screen extends NodeJS.EventEmitter {
    getPrimaryDisplay(): Display;
  }

  export interface Display {
    /** The display's bounds without the OS's task bars and docks, in DIP. */
    workArea: Rectangle;
  }

  export interface Rectangle {
    x: number;
    y: number;
    width: number;
    height: number;
  }

  export const app: App;
  export const dialog: Dialog;
  export const screen: Screen;
}
