/**
 * The engine's sign-in and its central server sync: started from the config, their changes
 * logged and published. Who acts through the control API is read here too.
 */
import type { Config } from '../config/index.js';
import type { EventBus } from '../control-server/index.js';
import { IdentityService, osUser, whoami } from '../identity/index.js';
import type { KeyVault } from '../keys/index.js';
import { SyncService } from '../sync/index.js';
import type { AuditStore } from '../audit/index.js';
import type { Logger } from '../log.js';

export interface IdentityWiring {
  config: Config;
  vault: KeyVault;
  log: Logger;
  bus: EventBus;
  /** HTTP client for the identity provider (tests: one trusting their CA); default: global fetch. */
  fetch?: typeof fetch;
  /** A sign-in or sign-out changes the profiles the policy selects. */
  onChange(): void;
}

/**
 * The OIDC session from the key vault, refreshed before it expires. A sign-in made by
 * `witness login` in another process reaches the engine through the control API's
 * identity/reload. A vault that cannot be opened leaves the engine signed out, loudly.
 */
export async function startIdentity(w: IdentityWiring): Promise<IdentityService> {
  const { config, log } = w;
  const identity = new IdentityService({
    config: config.identity,
    vault: w.vault,
    log: log.child({ component: 'identity' }),
    autoRefresh: true,
    ...(w.fetch ? { fetch: w.fetch } : {}),
  });
  identity.onChange((s) => {
    log.info(s ? 'identity: signed in' : 'identity: signed out', s ? { sub: s.sub, issuer: s.issuer, groups: s.groups, expiresAt: s.expiresAt } : {});
    w.bus.publish('identity.changed', identityStatus(identity));
    w.onChange();
  });
  if (identity.enabled) {
    try {
      if (!(await identity.load())) log.info('identity: not signed in; run `witness login`', { issuer: config.identity.issuer });
    } catch (e) {
      log.error('cannot read the sign-in from the key vault; running signed out', { err: e });
    }
  }
  return identity;
}

export function identityStatus(identity: IdentityService) {
  return { configured: identity.enabled, ...whoami(identity.current()) };
}

export function whoSignedIn(identity: IdentityService): string | null {
  const s = identity.current();
  return s ? (s.email ?? s.name ?? s.sub) : null;
}

/** Who asked for something through the control API: the signed-in person, else the OS user. */
export function whoActs(identity: IdentityService): string {
  return whoSignedIn(identity) ?? osUser();
}

/** Central server sync when sync.server is set: the store is its outbox, receipts come back as events. */
export async function startSync(w: {
  config: Config;
  dataDir: string;
  store: AuditStore;
  identity: IdentityService;
  log: Logger;
  bus: EventBus;
  version: string;
  /** The server's signed policy (the `central` layer) changed: reload the live policy, no restart. */
  onCentralPolicy: () => void;
  fetch?: typeof fetch;
}): Promise<SyncService | null> {
  const c = w.config.sync;
  if (c.server === null || c.serverKeys === null) return null;
  const sync = new SyncService({
    store: w.store,
    dataDir: w.dataDir,
    server: c.server,
    serverKeys: c.serverKeys,
    batchSize: c.batchSize,
    flushMs: c.flushSeconds * 1000,
    accessToken: () => w.identity.accessToken(),
    log: w.log.child({ component: 'sync' }),
    onReceipt: (r) => w.bus.publish('sync.receipt', r),
    checkInMs: c.checkInSeconds * 1000,
    version: w.version,
    onCentralPolicy: w.onCentralPolicy,
    ...(w.fetch ? { fetch: w.fetch } : {}),
  });
  w.identity.onChange(() => sync.kick());
  await sync.start();
  return sync;
}
