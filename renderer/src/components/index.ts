/** Pieces the views share: text with masked spans, commands, previews, the detail pane, decisions. */
export { Masked } from './Masked.js';
export { Command } from './Command.js';
export { FilePath, Previews } from './Previews.js';
export { Detail } from './Detail.js';
export { ApprovalCard, ApprovalFacts, Countdown, DecisionButtons, useDecide } from './Decision.js';
export { Timings } from './Timings.js';
export { SignInActions } from './SignIn.js';
export { HealthWarning, PolicyInForce, PolicyWarning, SyncBadge, SyncState } from './EngineState.js';
