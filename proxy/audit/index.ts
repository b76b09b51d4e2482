export { AuditStore, type AuditStoreOptions, type StoreIssue, type VerifyResult } from './store.js';
export { search } from './search.js';
export { exportRecords, toHarEntry, toOcsf } from './export.js';
export { uuidv7 } from './record.js';
export { defaultKeyProvider, fileKeyProvider, passphraseKeyProvider, type KeyProvider } from './keyring.js';
export { checkpointValid, type Checkpoint } from './checkpoint.js';
