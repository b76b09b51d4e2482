export { Inspector, type InspectorOptions } from './inspector.js';
