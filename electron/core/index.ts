// The shell's plain-Node core, as electron/main uses it: everything here runs and is tested
// without the Electron binary; electron/main only wires it to Electron's objects.
export { APP_ID, PRODUCT_NAME, EXECUTABLE_NAME } from './app-identity.js';
export { resolveAppRequest, type AppResponse } from './app-protocol.js';
export { applyLinuxAutostart, AUTOSTART_ARG, linuxAutostartEntry, linuxAutostartPath, startAtLogin, type StartAtLoginPolicy } from './autostart.js';
export { endpointFor, engineCommand, findRunningEngine, isProcessAlive, type EngineCommand } from './engine-launch.js';
export type { EnginePhase } from './engine-phase.js';
export { engineProcess, type SpawnedLike } from './engine-process.js';
export { EngineSupervisor, type EngineProcess, type RunningEngine, type SupervisorOptions } from './engine-supervisor.js';
export { EngineWatch } from './engine-watch.js';
export { chooseDesktopVault, KeychainVault, vaultFiles, type SafeStorageLike, type VaultChoice, type VaultFs } from './keychain-vault.js';
export { approvalNotification } from './notification-text.js';
export { PopupStack, type PopupHandle, type Rect } from './popups.js';
export { processTreeOps } from './process-tree.js';
export { APP_HOST, APP_SCHEME, navigationAllowed, permissionAllowed, secureWebPreferences, senderTrusted, type SenderInfo } from './security-policy.js';
export { loadSettings, saveSettings, type ShellSettings } from './shell-settings.js';
export { trayIdentity, trayModel, type MenuItemModel, type TrayAction, type TrayInput, type TrayModel } from './tray-model.js';
