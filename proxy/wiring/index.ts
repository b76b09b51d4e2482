// The engine's wiring, in parts engine.ts puts together: the control API's handlers, status,
// the policy as applied per exchange, sign-in and sync start-up, the record's way to the store.
export { controlHandlers, downloadSources, uiDir, type ControlParts } from './control.js';
export { deviceFacts, engineStatus, type StatusParts } from './status.js';
export { archivePolicy, liveMasking, PolicyJudge, policyChangeLogged, policyProblemLogged, policyState } from './policy.js';
export { dataPath, type DataPathParts } from './data-path.js';
export { identityStatus, startIdentity, startSync, whoActs, whoSignedIn, type IdentityWiring } from './identity.js';
export { applyRetention, recordAppender } from './recorder.js';
export { engineHooks, type HookParts } from './hooks.js';
export { approvalRegistry } from './approvals.js';
