/**
 * Errors a person can act on: a stable `code` for scripts and a message that says what
 * happened and what to do next. Never put a secret, token or prompt body in a message.
 */
import type { z } from 'zod';

/** Every code, in one list (docs/cli.md documents each one; a test keeps them in step). */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'CONFIG_UNREADABLE',
  /** An engine already runs for this data dir. */
  'ALREADY_RUNNING',
  /** The data dir cannot be created, read or written. */
  'DATA_DIR_UNUSABLE',
  'PORT_IN_USE',
  'LISTEN_FAILED',
  'CA_INVALID',
  'CA_KEY_LOCKED',
  'MASKING_KEY_INVALID',
  'ENGINE_NOT_RUNNING',
  'CONTROL_REJECTED',
  'STORE_LOCKED',
  'STORE_KEY_WRONG',
  'STORE_READ_ONLY',
  'STORE_CORRUPT',
  'STALE_APPROVAL',
  /** The policy does not let this person approve (approvals.approverGroups, approvals.selfApproval). */
  'APPROVER_NOT_ALLOWED',
  /** The policy in force does not let anyone pause interception (intercept.pause.allowed). */
  'PAUSE_NOT_ALLOWED',
  'VAULT_LOCKED',
  'VAULT_CORRUPT',
  'IDENTITY_NOT_CONFIGURED',
  'IDENTITY_PROVIDER_UNREACHABLE',
  'IDENTITY_SIGN_IN_FAILED',
  'IDENTITY_SIGN_IN_DENIED',
  'IDENTITY_SIGN_IN_EXPIRED',
  'IDENTITY_TOKEN_REFUSED',
  /** Second reviews from the window: no central server (sync.server), nobody signed in, or the server cannot be reached. */
  'REVIEWS_UNAVAILABLE',
  /** The central server's refusals of a review decision, passed on unchanged. */
  'REVIEWER_NOT_IN_GROUP',
  'SELF_REVIEW_REFUSED',
  'REVIEW_STALE',
  'REVIEW_CLOSED',
  'REVIEW_NOT_FOUND',
  /** A file setup changed was edited since; undo would lose those edits. */
  'SETUP_CONFLICT',
  /** A setup step could not run (a tool is missing, a file is unparsable). */
  'SETUP_FAILED',
  /** `witness stop`: the engine did not exit in time. */
  'STOP_TIMEOUT',
  'USAGE',
] as const;
export type WitnessErrorCode = (typeof ERROR_CODES)[number];

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

/** "intercept.hosts[2]: must be a DNS name …" — one line per problem. */
export function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => `  ${formatPath([...issue.path, k])}: unknown key (check the spelling against \`witness config schema\`)`)
      : [`  ${formatPath(issue.path) || '(root)'}: ${issue.message}`],
  );
  return `Invalid ${source}:\n${lines.join('\n')}`;
}

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
