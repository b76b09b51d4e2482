export { AuditStore, type AuditStoreOptions, type StoreHealth, type StoreIssue, type VerifyResult } from './store.js';
export { storeFailureRefusal, STORE_FAILURE_MESSAGE } from './gate.js';
export type { JournalIo } from './journal.js';
export { search } from './search.js';
export { exportRecords, toOcsf } from './export.js';
export { defaultKeyProvider, passphraseKeyProvider, vaultKeyProvider, type KeyProvider } from './keyring.js';
export { legacyDeviceKey } from './legacy-device-key.js';
