export type { Policy, PolicyInput, Decision } from './schema.js';
export { resolvePolicy, readPolicyFile, managedPolicyPath, type EffectivePolicy, type LayerName } from './layers.js';
export { normalizePath } from './paths.js';
export { compilePolicy, evaluateToolCall, type CompiledPolicy, type ToolDecision } from './evaluate.js';
