export { AuditStore, type AuditStoreOptions, type StoreIssue, type VerifyResult } from './store.js';
export { search } from './search.js';
export { exportRecords, toOcsf } from './export.js';
export { defaultKeyProvider, passphraseKeyProvider, vaultKeyProvider, type KeyProvider } from './keyring.js';
