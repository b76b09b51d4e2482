export { ApprovalRegistry, argsHash, type Approval, type ApprovalOutcome, type ApprovalRequest } from './registry.js';
export { HoldingSseTransform, type CallTrail, type HoldOptions, type Verdict } from './hold.js';
