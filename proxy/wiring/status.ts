/**
 * The engine's status as the control API serves it (`status`), assembled from the parts'
 * own states. Reads only; the contract's `Status` is the shape.
 */
import type { AuditStore } from '../audit/index.js';
import type { CaState } from '../ca/index.js';
import type { Config } from '../config/index.js';
import type { PolicyState, Status } from '../control/index.js';
import type { ControlServer } from '../control-server/index.js';
import { healthOf, tlsSummary } from '../doctor/index.js';
import type { IdentityService } from '../identity/index.js';
import type { InterceptingProxy, InterceptionSwitch } from '../intercept/index.js';
import type { SyncService } from '../sync/index.js';
import { VERSION } from '../version.js';
import { whoSignedIn } from './identity.js';

export interface StatusParts {
  dataDir: string;
  config: Config;
  startedAt: Date;
  now: Date;
  ca: CaState;
  proxy: InterceptingProxy;
  control: ControlServer;
  hosts: string[];
  lastInterceptedAt: Date | null;
  store: AuditStore;
  storeState: Status['audit']['store'];
  policy: PolicyState;
  interception: InterceptionSwitch;
  identity: IdentityService;
  /** The policy in force says `identity.requireSignIn`. */
  requireSignIn: boolean;
  sync: SyncService | null;
}

type CertSummary = { subject: string; fingerprint256: string; notBefore: Date; notAfter: Date; permittedSubtrees: string[] };
const summary = (c: CertSummary) => ({
  subject: c.subject,
  fingerprint256: c.fingerprint256,
  notBefore: c.notBefore.toISOString(),
  notAfter: c.notAfter.toISOString(),
  permittedSubtrees: c.permittedSubtrees,
});

export function engineStatus(p: StatusParts): Status {
  const { ca, proxy, store } = p;
  const tls = tlsSummary(proxy.tlsFailures.recent(), p.lastInterceptedAt, p.now);
  return {
    version: VERSION,
    pid: process.pid,
    startedAt: p.startedAt.toISOString(),
    dataDir: p.dataDir,
    proxy: { url: proxy.url, host: p.config.proxy.host, port: proxy.port, pacUrl: `${proxy.url}/proxy.pac` },
    control: { url: p.control.url },
    ca: { ...summary(ca.active), next: ca.next ? summary(ca.next) : null },
    intercept: { hosts: p.hosts, websockets: p.config.intercept.websockets },
    counters: { ...proxy.counters, refusedPeers: proxy.counters.refusedPeers + p.control.refusedPeers },
    lastInterceptedAt: p.lastInterceptedAt?.toISOString() ?? null,
    audit: { records: store.head.seq, headSeq: store.head.seq, issues: store.issues.map((i) => i.message), store: p.storeState },
    tls,
    health: store.health.ok ? healthOf(tls, p.lastInterceptedAt) : { level: 'warn', message: `Audit records cannot be written (${store.health.problem}) — free disk space in ${p.dataDir}` },
    policy: p.policy,
    interception: p.interception.state(),
    identity: { signedIn: p.identity.current() !== null, user: whoSignedIn(p.identity), required: p.requireSignIn, configured: p.identity.enabled },
    sync: p.sync?.status() ?? { server: null, state: 'off', receiptedSeq: 0, waiting: 0, lastReceiptAt: null, lastError: null },
  };
}
