export { AuditStore, type AuditStoreOptions, type StoreIssue, type VerifyResult } from './store.js';
export { search, SearchQuerySchema, parseTime, type SearchQuery, type SearchPage, type SearchHit } from './search.js';
export { exportRecords, toHarEntry, toOcsf, type ExportFormat } from './export.js';
export { canonicalJson, recordHash, GENESIS } from './hash.js';
export { uuidv7, type AuditRecord, type ExportedRecord } from './record.js';
export { defaultKeyProvider, fileKeyProvider, passphraseKeyProvider, type KeyProvider } from './keyring.js';
export { checkpointValid, type Checkpoint } from './checkpoint.js';
