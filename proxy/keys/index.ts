export { assertSecretName, assertSecretValue, MAX_SECRET_BYTES, type KeyVault } from './vault.js';
export { FileKeyVault, vaultDir, type FileKeyVaultOptions } from './file-vault.js';
export { defaultKekSource, keyFileSource, passphraseSource, PASSPHRASE_ENV, type KekSource } from './kek.js';
export { remoteVault, serveVault, VaultReplySchema, VaultRequestSchema, type VaultReply, type VaultRequest } from './channel.js';
export { desktopKeyVault, KEY_VAULT_DESKTOP, KEY_VAULT_ENV, parentPortVault, serveVaultOver, type ChildChannelLike, type ParentPortLike } from './parent-port.js';
