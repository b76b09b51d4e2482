// The subset of Electron's API that Witness uses (electron/main, electron/preload): IPC
// between the window and the shell, and the preload's contextBridge. Hand-written, not
// vendored: signatures follow Electron's documented API for the version in
// build/electron-version.ts (https://www.electronjs.org/docs/latest/api/ipc-main,
// .../ipc-renderer, .../context-bridge), declaring only the members the code uses. Where
// Electron says `any` for a value crossing IPC, these say `unknown`: the code must check it.

/// <reference types="node" />

declare module 'electron' {
  export interface IpcMain extends NodeJS.EventEmitter {
    /** Answers ipcRenderer.invoke(channel); a thrown error rejects the renderer's promise. */
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  }

  export interface IpcMainInvokeEvent extends Event {
    sender: WebContents;
    /** null once the frame navigated away or was destroyed. */
    readonly senderFrame: WebFrameMain | null;
  }

  export interface IpcRenderer extends NodeJS.EventEmitter {
    /** Resolves with what the main process's handle() listener returned. */
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  }

  export interface ContextBridge {
    /** Copies `api` into the page's world as window[apiKey] (contextIsolation). */
    exposeInMainWorld(apiKey: string, api: unknown): void;
  }

  export const contextBridge: ContextBridge;
  export const ipcMain: IpcMain;
  export const ipcRenderer: IpcRenderer;
}
