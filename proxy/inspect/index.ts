export { Inspector, CREDENTIAL_HEADERS, type InspectorOptions } from './inspector.js';
