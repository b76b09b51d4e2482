/**
 * What `witness login`, `logout` and `whoami` share: the IdentityService over the data dir's
 * key vault, and telling a running engine that the session changed. The CLI and the engine
 * are separate processes; the vault is the one place a session lives, and the control API's
 * identity/reload makes a running engine use a new one at once (it needs no token in the
 * request: the engine reads the vault itself).
 */
import type { Config } from '../config/index.js';
import { ControlApiError, createControlClient, type IdentityStatus } from '../control/index.js';
import { isProcessAlive, readControlFile } from '../control-server/index.js';
import { IdentityService, type IdentitySession } from '../identity/index.js';
import { FileKeyVault, vaultDir } from '../keys/index.js';
import { createLogger } from '../log.js';
import type { CommandIO } from './io.js';

export interface IdentityDeps {
  /** HTTP for the identity provider (tests); default: global fetch. */
  fetch?: typeof fetch;
}

export function cliIdentityService(dataDir: string, config: Config, io: CommandIO, deps: IdentityDeps = {}): IdentityService {
  return new IdentityService({
    config: config.identity,
    vault: new FileKeyVault({ dir: vaultDir(dataDir) }),
    log: createLogger({ level: 'warn', write: io.log }),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}

export type EngineNotice = { running: false } | { running: true; pid: number; status: IdentityStatus } | { running: true; pid: number; error: string };

/** Asks a running engine for this data dir to reload the session from the vault. */
export async function notifyEngine(dataDir: string): Promise<EngineNotice> {
  const control = readControlFile(dataDir);
  if (!control || !isProcessAlive(control.pid)) return { running: false };
  try {
    const status = await createControlClient({ url: control.url, token: control.token }).call('identityReload', {});
    return { running: true, pid: control.pid, status };
  } catch (e) {
    return { running: true, pid: control.pid, error: e instanceof ControlApiError ? `${e.status} ${e.code}: ${e.message}` : (e as Error).message };
  }
}

/** One line for people: "Alice Example <alice@example.com>". */
export function displayName(s: Pick<IdentitySession, 'name' | 'email' | 'sub'>): string {
  if (s.name && s.email) return `${s.name} <${s.email}>`;
  return s.name ?? s.email ?? s.sub;
}

/** What to tell the user about the running engine; `sub` is who just signed in (null: signed out). */
export function engineLine(n: EngineNotice, sub: string | null): string | null {
  if (!n.running) return null;
  const what = sub === null ? 'sign-out' : 'sign-in';
  if ('status' in n) {
    if (!n.status.configured) return `The running engine (pid ${n.pid}) was started without sign-in configured; restart it to use the ${what}.`;
    if (sub === null ? n.status.signedIn : n.status.sub !== sub) return `The running engine (pid ${n.pid}) did not take the ${what} (is it using another config file?); restart it to use it.`;
    return `The running engine (pid ${n.pid}) ${sub === null ? 'is signed out too' : 'now uses this sign-in'}.`;
  }
  return `The running engine (pid ${n.pid}) did not take the ${what} (${n.error}); restart it to use it.`;
}
