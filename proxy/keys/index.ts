export { assertSecretName, assertSecretValue, MAX_SECRET_BYTES, type KeyVault } from './vault.js';
export { FileKeyVault, vaultDir, type FileKeyVaultOptions } from './file-vault.js';
export { defaultKekSource, keyFileSource, passphraseSource, PASSPHRASE_ENV, type KekSource } from './kek.js';
export { remoteVault, serveVault, VaultReplySchema, VaultRequestSchema, type VaultReply, type VaultRequest } from './channel.js';
export { desktopKeyVault, engineKeyVaults, KEY_VAULT_DESKTOP, KEY_VAULT_LEAVE_DESKTOP, KEY_VAULT_ENV, parentPortVault, serveVaultOver, type ChildChannelLike, type ParentPortLike } from './parent-port.js';
export { AUDIT_WRAPPING_KEY, CA_WRAPPING_KEY, wrappingKey } from './wrap.js';
export { MOVABLE_SECRETS, moveSecrets, openEngineVault, type EngineVaultOptions } from './migrate.js';
export { open as openSealed, seal } from './sealing.js';
export { maskingKey, MASKING_KEY } from './masking-key.js';
