export { PolicySchema, CommandRuleSchema, type Policy, type PolicyInput, type Decision } from './schema.js';
export { DEFAULT_POLICY } from './defaults.js';
export { resolvePolicy, readPolicyFile, checkPolicyDocument, managedPolicyPath, type EffectivePolicy, type LayerName } from './layers.js';
export { normalizePath, pathMatcher } from './paths.js';
export { compilePolicy, evaluateToolCall, type CompiledPolicy, type ToolDecision } from './evaluate.js';
