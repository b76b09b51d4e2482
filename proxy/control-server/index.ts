// The Node-only side of the control API: the HTTP + SSE server, its event bus, file
// downloads, and control.json discovery. The contract it serves is in control/.
export { ControlServer, type Handlers } from './server.js';
export { EventBus } from './event-bus.js';
export { registerDownloads, type DownloadSources } from './downloads.js';
export { writeControlFile, readControlFile, removeControlFile, isProcessAlive, refuseSecondEngine, type ControlFile } from './discovery.js';
