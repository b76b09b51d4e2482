/**
 * The preload script (sandboxed, bundled to one CommonJS file): exposes the bridge as
 * `window.witness` through contextBridge, one function per channel. Nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { makeBridge } from './index.js';

export const witness = makeBridge((channel) => ipcRenderer.invoke(channel));
contextBridge.exposeInMainWorld('witness', witness);
