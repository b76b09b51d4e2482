// The bridge's public face: its channels and the bridge object's shape, for the main
// process (which answers the channels) and the renderer (whose type for window.witness is
// derived from it). The preload script itself is preload.ts, bundled on its own.
export { CHANNELS, makeBridge, type Channel, type WitnessBridge } from './bridge.js';
