export { ApprovalRegistry, argsHash, type Approval, type ApprovalOutcome, type ApprovalRequest } from './registry.js';
export { HoldingSseTransform, type CallTrail, type Verdict } from './hold.js';
export { rewriteDenied } from './rewrite.js';
