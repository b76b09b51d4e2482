/** Pieces the views share: text with masked spans, commands, previews, the detail pane, decisions. */
export { Command, FilePath, HitCells, Masked, Previews, Timings } from '../shared/index.js';
export { Detail } from './Detail.js';
export { ApprovalCard, ApprovalFacts, Countdown, DecisionButtons, useDecide, useDecision } from './Decision.js';
export { ServerReviews } from './ServerReviews.js';
export { SignInActions } from './SignIn.js';
export { HealthWarning, PolicyInForce, PolicyWarning, SyncBadge, SyncState } from './EngineState.js';
