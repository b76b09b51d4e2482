/**
 * The preload bridge's one object, built from the single IPC primitive it uses. The
 * window's whole reach into the shell is this: where the engine's control API is and its
 * token (asked afresh each time, since the engine gets a new port and token when the shell
 * restarts it). No ipcRenderer, no Node, no Electron API crosses into the page. The
 * renderer's type for `window.witness` is derived from this function's return type.
 */
import type { ControlEndpoint } from '../../proxy/control/index.js';

export const CHANNELS = {
  controlEndpoint: 'witness:control-endpoint',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export function makeBridge(invoke: (channel: Channel) => Promise<unknown>) {
  return {
    /** The engine's control API URL and bearer token; waits while the engine starts. */
    control: () => invoke(CHANNELS.controlEndpoint) as Promise<ControlEndpoint>,
  } as const;
}

export type WitnessBridge = ReturnType<typeof makeBridge>;
