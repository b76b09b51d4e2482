/**
 * Errors a person can act on: a stable `code` for scripts and a message that says what
 * happened and what to do next. Never put a secret, token or prompt body in a message.
 */
export type WitnessErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'PORT_IN_USE'
  | 'LISTEN_FAILED'
  | 'NOT_LOOPBACK'
  | 'CA_INVALID'
  | 'CA_KEY_LOCKED'
  | 'ENGINE_NOT_RUNNING'
  | 'CONTROL_UNREACHABLE'
  | 'CONTROL_REJECTED'
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'STORE_TAMPERED'
  | 'STALE_APPROVAL'
  | 'VAULT_LOCKED'
  | 'VAULT_CORRUPT'
  | 'IDENTITY_NOT_CONFIGURED'
  | 'IDENTITY_PROVIDER_UNREACHABLE'
  | 'IDENTITY_SIGN_IN_FAILED'
  | 'IDENTITY_SIGN_IN_DENIED'
  | 'IDENTITY_SIGN_IN_EXPIRED'
  | 'IDENTITY_TOKEN_REFUSED'
  | 'USAGE';

export class WitnessError extends Error {
  override readonly name = 'WitnessError';
  constructor(
    readonly code: WitnessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isWitnessError(e: unknown): e is WitnessError {
  return e instanceof WitnessError;
}
