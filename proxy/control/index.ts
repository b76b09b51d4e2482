export * from './contract.js';
export { EventBus } from './event-bus.js';
export { ControlServer, type Handlers } from './server.js';
export { createControlClient, ControlApiError, type ControlClient } from './client.js';
export { writeControlFile, readControlFile, removeControlFile, isProcessAlive, type ControlFile } from './discovery.js';
export { streamEvents, type ControlEndpoint, type EventStream, type EventStreamHandlers } from './event-stream.js';
