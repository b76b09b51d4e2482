export { Masker, type MaskResult, type MaskerOptions } from './masker.js';
export { StreamingMasker } from './stream-masker.js';
export type { Finding } from './scan.js';
export { ALL_DETECTORS } from './detectors/index.js';
export type { Detector } from './detector.js';
export { maskUrl } from './url.js';
export { PlaceholderLedger, StreamRestorer, restoreDeep, LEDGER_DEFAULTS, type LedgerOptions, type RestoreTally } from './restore.js';
