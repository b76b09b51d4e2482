export { ensureCa, activateNext, readCaCertificates, describeCert, fingerprint, type CaState, type CaCertInfo, type LoadedCa } from './store.js';
export { permittedSubtrees, subtreesCover } from './constraints.js';
export { generateCa, nameConstraints, readPermittedSubtrees, toPem, EC_ALGORITHM, SIGNING_ALGORITHM } from './generate.js';
export { fileModeProtector, type KeyProtector } from './key-protector.js';
