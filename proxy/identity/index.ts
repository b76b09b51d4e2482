// Who and where: the local OS user, this installation's device id, and the OIDC session.
export { osUser } from './os-user.js';
export { deviceId } from './device.js';
export { openDeviceSigner, DEVICE_KEY, type DeviceSigner, type DeviceKeyOpened, type LegacyDeviceKey } from './device-key.js';
export { IdentityService, effectiveScopes, type DeviceSignIn, type IdentityConfig, type IdentityServiceOptions, type Timers } from './service.js';
export { whoami, WhoAmISchema, profileFromClaims, profilesForGroups, SESSION_SECRET, type IdentitySession, type WhoAmI } from './session.js';
export { IdTokenValidator, TokenRefusedError, ACCEPTED_ALGORITHMS, type RefusedClaim, type ValidatedIdToken } from './id-token.js';
export { JwksCache, type JwksCacheOptions } from './jwks.js';
export { systemBrowser, openerCommand, type BrowserOpener } from './browser.js';
export { InteractiveSignIn } from './interactive.js';
export { IdentityGate, recordIdentity, SIGN_IN_REQUIRED_MESSAGE, SIGN_IN_RULE_ID, SIGNED_OUT, type GateVerdict, type GatedRequest } from './gate.js';
