/**
 * The desktop shell's preload bridge, present when the UI runs in the Witness window and
 * absent in a browser. Its type is derived from the preload's own bridge object, never
 * written out twice. It only says where the engine's control API is, and its token.
 */
export type WitnessBridge = ReturnType<typeof import('../../electron/preload/index.js').makeBridge>;

export const desktop: WitnessBridge | undefined = (window as unknown as { witness?: WitnessBridge }).witness;
