// The browser-safe face of the control API: the contract and the typed client. Imports
// only zod and model/ (lint-enforced): the UI bundles this. The Node-only server,
// discovery (control.json) and downloads are in control-server/.
export * from './contract.js';
export { createControlClient, ControlApiError, type ControlClient } from './client.js';
export { streamEvents, type ControlEndpoint, type EventStream, type EventStreamHandlers } from './event-stream.js';
