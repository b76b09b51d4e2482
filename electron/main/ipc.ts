/**
 * The only way to answer IPC in the shell: `handle()` checks the sender (the app's own
 * top-level page, in a window the shell created, frame still alive) before the handler
 * runs, and refuses everything else with an error the page can see.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { senderTrusted, type SenderInfo } from '../core/index.js';
import type { Channel } from '../preload/index.js';

export interface IpcLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export function senderOf(event: IpcMainInvokeEvent, ownWindow: (webContentsId: number) => boolean): SenderInfo | null {
  const frame = event.senderFrame;
  if (!frame) return null;
  return {
    url: frame.url,
    isMainFrame: frame.parent === null,
    destroyed: frame.isDestroyed(),
    ownWindow: ownWindow(event.sender.id),
  };
}

export function handle(ipcMain: IpcMain, channel: Channel, ownWindow: (webContentsId: number) => boolean, log: IpcLog, fn: () => Promise<unknown>): void {
  ipcMain.handle(channel, async (event) => {
    const sender = senderOf(event, ownWindow);
    if (!senderTrusted(sender)) {
      log.warn('refused IPC from an untrusted sender', { channel, sender: sender ? new URL(sender.url || 'about:blank').protocol : null });
      throw new Error('WITNESS_IPC_REFUSED: this page may not talk to the Witness shell.');
    }
    return fn();
  });
}
