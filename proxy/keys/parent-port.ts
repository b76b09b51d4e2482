/**
 * The key vault across the desktop app's utility-process channel. The desktop app runs the
 * engine in an Electron utility process and keeps the secrets in the OS keychain in its
 * main process; the engine asks for them over the channel the two already share:
 *   engine side   `process.parentPort` (a message arrives as an event: `{ data }`)
 *   main side     the UtilityProcess object (a message arrives bare)
 * Only envelopes `{ witness: "key-vault", request | reply }` are read; anything else on the
 * channel passes by. Replies are matched to requests by id, in any order. The main side
 * validates every request (`serveVault`): the engine is another process, not trusted code.
 * No timeout: a keychain may be waiting for the person to allow access; if the main process
 * dies, Electron ends the utility process with it.
 *
 * The engine uses this vault only when started with WITNESS_KEY_VAULT=desktop, which only
 * the desktop app sets; without a parent port that setting is an error, never a silent
 * fallback to another vault.
 */
import { WitnessError } from '../errors.js';
import { remoteVault, serveVault, VaultReplySchema, type VaultReply, type VaultRequest } from './channel.js';
import type { KeyVault } from './vault.js';

/** The environment variable the desktop app sets on the engine it starts. */
export const KEY_VAULT_ENV = 'WITNESS_KEY_VAULT';
export const KEY_VAULT_DESKTOP = 'desktop';
/** The desktop app serves its vault only for the engine to move the secrets out, into DATA_DIR/keys. */
export const KEY_VAULT_LEAVE_DESKTOP = 'leave-desktop';

const TAG = 'key-vault';

/** Electron's `process.parentPort` in a utility process, as far as the vault uses it. */
export interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** Electron's UtilityProcess (main-process side), as far as the vault uses it. */
export interface ChildChannelLike {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  postMessage(message: unknown): void;
}

/** The engine's vault: every call is a message to the parent, which holds the secrets. */
export function parentPortVault(port: ParentPortLike, kind = 'os-keychain'): KeyVault {
  const waiting = new Map<number, (reply: VaultReply) => void>();
  // The parent port does not keep a process alive, and at start (CA, store key) nothing else
  // may yet: without a handle the engine would exit quietly while waiting for its keys.
  let keepAlive: NodeJS.Timeout | null = null;
  const settled = () => {
    if (waiting.size === 0 && keepAlive) {
      clearInterval(keepAlive);
      keepAlive = null;
    }
  };
  port.on('message', (e) => {
    const m = e?.data as { witness?: unknown; reply?: unknown } | undefined;
    if (!m || m.witness !== TAG || m.reply === undefined) return;
    const reply = VaultReplySchema.safeParse(m.reply);
    if (!reply.success) return; // remoteVault would refuse it; the request stays waiting for a valid one
    const settle = waiting.get(reply.data.id);
    waiting.delete(reply.data.id);
    settled();
    settle?.(reply.data);
  });
  return remoteVault(
    kind,
    (request: VaultRequest) =>
      new Promise<VaultReply>((resolve) => {
        waiting.set(request.id, resolve);
        keepAlive ??= setInterval(() => undefined, 60_000);
        port.postMessage({ witness: TAG, request });
      }),
  );
}

/** Answers the engine's vault requests arriving from `child` with `vault` (desktop main process). */
export function serveVaultOver(child: ChildChannelLike, vault: KeyVault): void {
  const answer = serveVault(vault);
  child.on('message', (message) => {
    const m = message as { witness?: unknown; request?: unknown } | undefined;
    if (!m || m.witness !== TAG || m.request === undefined) return;
    void answer(m.request).then((reply) => child.postMessage({ witness: TAG, reply }));
  });
}

/**
 * The vault the desktop app serves, when this engine was started by it (WITNESS_KEY_VAULT=desktop
 * and a parent port); null otherwise (the engine then uses its own vault in DATA_DIR/keys).
 */
export function desktopKeyVault(env: NodeJS.ProcessEnv, proc: { parentPort?: ParentPortLike } = process as { parentPort?: ParentPortLike }): KeyVault | null {
  const v = engineKeyVaults(env, proc);
  return v.keyVault ?? null;
}

/**
 * The engine's vaults from its environment: `desktop` keeps secrets in the app's vault (moving
 * in what DATA_DIR/keys holds); `leave-desktop` keeps them in DATA_DIR/keys, moving out what
 * the app's vault holds (a data dir going back to headless use).
 */
export function engineKeyVaults(env: NodeJS.ProcessEnv, proc: { parentPort?: ParentPortLike } = process as { parentPort?: ParentPortLike }): { keyVault?: KeyVault; keyVaultPrevious?: KeyVault } {
  const wanted = env[KEY_VAULT_ENV];
  if (wanted === undefined || wanted === '') return {};
  if (wanted !== KEY_VAULT_DESKTOP && wanted !== KEY_VAULT_LEAVE_DESKTOP) {
    throw new WitnessError('USAGE', `${KEY_VAULT_ENV}=${wanted} is not a key vault Witness knows: unset it (the engine then keeps secrets in DATA_DIR/keys).`);
  }
  if (!proc.parentPort) {
    throw new WitnessError(
      'USAGE',
      `${KEY_VAULT_ENV}=${wanted} is set, but this engine was not started by the Witness desktop app (there is no parent to keep the secrets): unset ${KEY_VAULT_ENV} to use the key vault in DATA_DIR/keys.`,
    );
  }
  const remote = parentPortVault(proc.parentPort);
  return wanted === KEY_VAULT_DESKTOP ? { keyVault: remote } : { keyVaultPrevious: remote };
}
