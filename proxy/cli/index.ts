// The `witness` commands, one module each; main.ts dispatches to them, commands.ts lists them.
export { main, EXIT_ERROR, EXIT_USAGE } from './main.js';
export { COMMANDS, usage, type CommandDef } from './commands.js';
export { approvalsCommand, uiCommand } from './approvals.js';
export { exportCommand, searchCommand, verifyCommand } from './audit.js';
export { caCommand } from './ca.js';
export { configCommand } from './config.js';
export { doctorCommand } from './doctor.js';
export { processIO, type CommandIO } from './io.js';
export { loginCommand } from './login.js';
export { logoutCommand } from './logout.js';
export { maskCommand } from './mask.js';
export { policyCommand } from './policy.js';
export { setupCommand } from './setup.js';
export { startCommand } from './start.js';
export { statusCommand } from './status.js';
export { stopCommand } from './stop.js';
export { whoamiCommand } from './whoami.js';
