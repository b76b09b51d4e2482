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
  /** An engine already runs for this data dir. */
  | 'ALREADY_RUNNING'
  /** The data dir cannot be created, read or written. */
  | 'DATA_DIR_UNUSABLE'
  /** A file setup changed was edited since; undo would lose those edits. */
  | 'SETUP_CONFLICT'
  /** A setup step could not run (a tool is missing, a file is unparsable). */
  | 'SETUP_FAILED'
  /** `witness stop`: the engine did not exit in time. */
  | 'STOP_TIMEOUT'
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
