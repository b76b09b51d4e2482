// The `witness` commands, one module each; proxy/cli.ts dispatches to them.
export { approvalsCommand, uiCommand } from './approvals.js';
export { exportCommand, searchCommand, verifyCommand } from './audit.js';
export { caCommand } from './ca.js';
export { configCommand } from './config.js';
export { processIO, type CommandIO } from './io.js';
export { loginCommand } from './login.js';
export { logoutCommand } from './logout.js';
export { maskCommand } from './mask.js';
export { policyCommand } from './policy.js';
export { startCommand } from './start.js';
export { statusCommand } from './status.js';
export { whoamiCommand } from './whoami.js';
