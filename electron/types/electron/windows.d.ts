// The subset of Electron's API that Witness uses (electron/main): windows, their web
// contents and frames. Hand-written, not vendored: signatures follow Electron's documented
// API for the version in build/electron-version.ts
// (https://www.electronjs.org/docs/latest/api/browser-window, .../base-window,
// .../web-contents, .../web-frame-main), declaring only the members the code uses, so a
// call outside them fails to typecheck until its declaration is added (docs/desktop.md).

/// <reference types="node" />

declare module 'electron' {
  import { EventEmitter } from 'node:events';

  export class BaseWindow extends EventEmitter {
    destroy(): void;
    focus(): void;
    hide(): void;
    isDestroyed(): boolean;
    isMinimized(): boolean;
    restore(): void;
    setAlwaysOnTop(flag: boolean, level?: 'normal' | 'floating' | 'torn-off-menu' | 'modal-panel' | 'main-menu' | 'status' | 'pop-up-menu' | 'screen-saver' | 'dock', relativeLevel?: number): void;
    setVisibleOnAllWorkspaces(visible: boolean, options?: VisibleOnAllWorkspacesOptions): void;
    show(): void;
    /** Shows the window without focusing it. */
    showInactive(): void;
  }

  export class BrowserWindow extends BaseWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    static getAllWindows(): BrowserWindow[];
    /** Emitted when the window is going to close; preventDefault() cancels it. */
    on(event: 'close', listener: (event: Event) => void): this;
    /** Emitted when the window is closed: drop every reference to it. */
    on(event: 'closed', listener: () => void): this;
    /** The page has rendered while the window was hidden: show it now without a flash. */
    once(event: 'ready-to-show', listener: () => void): this;
    loadURL(url: string): Promise<void>;
    readonly webContents: WebContents;
  }

  export interface BrowserWindowConstructorOptions {
    x?: number;
    y?: number;
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    show?: boolean;
    title?: string;
    icon?: NativeImage | string;
    alwaysOnTop?: boolean;
    resizable?: boolean;
    minimizable?: boolean;
    maximizable?: boolean;
    fullscreenable?: boolean;
    webPreferences?: WebPreferences;
  }

  /** The settings electron/core/security-policy.ts fixes for every window. */
  export interface WebPreferences {
    preload?: string;
    contextIsolation?: boolean;
    sandbox?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInWorker?: boolean;
    nodeIntegrationInSubFrames?: boolean;
    webSecurity?: boolean;
    allowRunningInsecureContent?: boolean;
    experimentalFeatures?: boolean;
    webviewTag?: boolean;
    spellcheck?: boolean;
    navigateOnDragDrop?: boolean;
  }

  export interface VisibleOnAllWorkspacesOptions {
    /** macOS: above full-screen windows too. */
    visibleOnFullScreen?: boolean;
  }

  export class WebContents extends EventEmitter {
    /** A frame asks to load a <webview>; preventDefault() refuses it. */
    on(event: 'will-attach-webview', listener: (event: Event, webPreferences: WebPreferences, params: Record<string, string>) => void): this;
    /** Any frame (subframes too) is about to navigate; preventDefault() cancels it. */
    on(event: 'will-frame-navigate', listener: (details: Event<WebContentsWillFrameNavigateEventParams>) => void): this;
    /** The main frame is about to navigate; preventDefault() cancels it. */
    on(event: 'will-navigate', listener: (details: Event<WebContentsWillNavigateEventParams>, url: string, isInPlace: boolean, isMainFrame: boolean, frameProcessId: number, frameRoutingId: number) => void): this;
    /** A server redirect during a navigation; preventDefault() cancels it. */
    on(event: 'will-redirect', listener: (details: Event<WebContentsWillRedirectEventParams>, url: string, isInPlace: boolean, isMainFrame: boolean, frameProcessId: number, frameRoutingId: number) => void): this;
    getURL(): string;
    /** Decides every window.open(), target=_blank link and form. */
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
    /** Unique among all WebContents of the app. */
    readonly id: number;
  }

  export interface WebContentsWillFrameNavigateEventParams {
    url: string;
    isSameDocument: boolean;
    isMainFrame: boolean;
    frame: WebFrameMain | null;
    initiator?: WebFrameMain | null;
  }

  export interface WebContentsWillNavigateEventParams {
    url: string;
    isSameDocument: boolean;
    isMainFrame: boolean;
    frame: WebFrameMain | null;
    initiator?: WebFrameMain | null;
  }

  export interface WebContentsWillRedirectEventParams {
    url: string;
    isSameDocument: boolean;
    isMainFrame: boolean;
    frame: WebFrameMain | null;
    initiator?: WebFrameMain | null;
  }

  /** setWindowOpenHandler(): the fields Witness reads. */
  export interface HandlerDetails {
    /** The resolved URL the page asked to open. */
    url: string;
  }

  /** setWindowOpenHandler()'s answer: the options Witness sets. */
  export interface WindowOpenHandlerResponse {
    action: 'allow' | 'deny';
  }

  export class WebFrameMain extends EventEmitter {
    /** The frame's render process is gone or it navigated away: its fields are stale. */
    isDestroyed(): boolean;
    /** null for a top-level frame. */
    readonly parent: WebFrameMain | null;
    readonly url: string;
  }
}
