export { ensureCa, activateNext, readCaCertificates, switchAt, caNotice, type CaState } from './store.js';
export { describeCert, fingerprint, type CaCertInfo, type CaChainInfo, type LoadedCa } from './slots.js';
export { permittedSubtrees, subtreesCover } from './constraints.js';
export { generateCa, toPem, EC_ALGORITHM, SIGNING_ALGORITHM, type GeneratedCa } from './generate.js';
export { nameConstraints, nameConstraintsExtension, serverAuthOnly, readPermittedSubtrees, SUBJECT_COUNTRY } from './profile.js';
export { fileModeProtector, vaultProtector, type KeyProtector } from './key-protector.js';
export { trustCommands, type TrustCommand, type TrustCommandOptions, type TrustStoreKind } from './trust-commands.js';
