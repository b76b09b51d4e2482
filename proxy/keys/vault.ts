/**
 * The key vault: the one way the engine keeps a secret at rest. Named secrets, bytes in and
 * out, every call async, so the same interface can be served by another process (the desktop
 * app's Electron main process holds the OS keychain through safeStorage while the engine runs
 * in a child) or in-process by the headless vault (key file 0600, or a passphrase).
 *
 * Secrets it is meant to hold (one name each, dot-separated, lower case):
 *   identity.session   the OIDC session: refresh, ID and access tokens with the profile
 *   ca.kek             wraps the CA's key files           (keys/wrap.ts, ca/)
 *   audit.kek          wraps the audit store's data key  (keys/wrap.ts, audit/keyring.ts)
 *   masking.key        the placeholder-hash key          (keys/masking-key.ts)
 *   device.key         the device's signing key          (identity/device-key.ts)
 * A vault must never log a value, and never write one anywhere in clear.
 */
import { WitnessError } from '../errors.js';

export interface KeyVault {
  /** How secrets are protected: "file" (key file 0600), "passphrase", "os-keychain", … */
  readonly kind: string;
  /** The secret's bytes, or null when there is none under that name. */
  get(name: string): Promise<Uint8Array | null>;
  /** Stores (or replaces) a secret; durable when the promise resolves. */
  set(name: string, value: Uint8Array): Promise<void>;
  /** Removes a secret; true when there was one. */
  delete(name: string): Promise<boolean>;
  /**
   * Moves a secret to another name without reading it (optional): how a damaged secret is
   * kept as evidence before a new one takes its name. The moved copy need not open again.
   */
  rename?(from: string, to: string): Promise<void>;
}

/** Largest secret a vault accepts: keys and token sets, not documents. */
export const MAX_SECRET_BYTES = 1024 * 1024;

const NAME_RE = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

/** Names are file names in the headless vault and keychain entries elsewhere: keep them plain. */
export function assertSecretName(name: string): void {
  if (typeof name !== 'string' || name.length > 64 || !NAME_RE.test(name)) {
    throw new WitnessError('USAGE', `Invalid secret name ${JSON.stringify(name)}: use lower-case words separated by "." or "-" (at most 64 characters).`);
  }
}

export function assertSecretValue(name: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new WitnessError('USAGE', `The value of secret ${name} must be bytes.`);
  if (value.byteLength > MAX_SECRET_BYTES) throw new WitnessError('USAGE', `Secret ${name} is ${value.byteLength} bytes; a vault holds at most ${MAX_SECRET_BYTES}.`);
}
