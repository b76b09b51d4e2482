export type { Policy, PolicyInput, Decision, ReviewRule } from './schema.js';
export { resolvePolicy, readPolicyFile, policyDocumentProblem, managedPolicyPath, type EffectivePolicy, type LayerName } from './layers.js';
export { normalizePath } from './paths.js';
export { compilePolicy, evaluateToolCall, type CompiledPolicy, type ToolDecision } from './evaluate.js';
export { managedPolicyFiles, readManagedPolicy, type ManagedPolicy } from './managed/index.js';
export { LivePolicy, policyVersion, type LivePolicyOptions, type PolicyInForce, type PolicyProblem } from './live.js';
export { watchFiles, type WatchFiles } from './watch.js';
export { keepPolicyVersion, policyHistoryFile } from './history.js';
// The schema and the defaults: the IT policy templates are generated from them (build/).
export { PolicySchema } from './schema.js';
export { DEFAULT_POLICY } from './defaults.js';
