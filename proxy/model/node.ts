/**
 * The ground floor's Node-only face: the SHA-256 hash chain (node:crypto). The engine and
 * the central server import it next to index.ts; the browser never does (a lint rule
 * holds renderer/ and control/ to index.ts).
 */
export { chainRecord, GENESIS, recordHash, sha256Hex } from './hash.js';
export { CANONICAL_JSON_FUNCTIONS } from './canonical-json.js';
