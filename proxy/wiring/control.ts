/**
 * The control API's handlers (one per method of the contract) and download sources over the
 * engine's parts. Each handler delegates; none holds state. Parts that change while the
 * engine runs (CA, hosts, store) are read through functions at call time.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRecords, search, type AuditStore } from '../audit/index.js';
import type { ApprovalRegistry } from '../approvals/index.js';
import type { CaState } from '../ca/index.js';
import type { Status } from '../control/index.js';
import type { ControlServer, DownloadSources, Handlers } from '../control-server/index.js';
import type { IdentityService, InteractiveSignIn } from '../identity/index.js';
import { recordIdentity } from '../identity/index.js';
import type { InterceptionSwitch } from '../intercept/index.js';
import type { Masker } from '../masking/index.js';
import { hostEnv, rootCert, runSetup, undoTarget } from '../setup/index.js';
import type { runDoctor } from '../doctor/index.js';
import { identityStatus, whoActs } from './identity.js';
import { serverReviewHandlers, type ServerReviewParts } from './reviews.js';

export interface ControlParts {
  dataDir: string;
  store(): AuditStore;
  ca(): CaState;
  hosts(): string[];
  control(): ControlServer;
  status(): Status;
  /** What is enforced, never just what the files say (they may hold a rejected edit). */
  policy(): ReturnType<Handlers['policy']>;
  doctor(): ReturnType<typeof runDoctor>;
  approvals: ApprovalRegistry;
  masker: Masker;
  identity: IdentityService;
  signIn: InteractiveSignIn;
  interception: InterceptionSwitch;
  /** Second reviews of the signed-in person's groups on the central server. */
  serverReviews: Omit<ServerReviewParts, 'masker' | 'accessToken'>;
  /** Called when a client asks the engine to shut down (`witness stop`); without it the request is declined. */
  onShutdownRequest?: (() => void) | undefined;
}

export function controlHandlers(p: ControlParts): Handlers {
  const identity = p.identity;
  return {
    status: () => p.status(),
    search: (q) => search(p.store(), q),
    record: ({ id }) => p.store().get(id),
    policy: () => p.policy(),
    uiLink: () => ({ url: p.control().signInLink() }),
    approvals: () => p.approvals.list(),
    approval: ({ id }) => p.approvals.get(id),
    doctor: () => p.doctor(),
    setup: ({ target, dryRun, undo, force }) => {
      const h = hostEnv(p.dataDir);
      if (undo) return undoTarget(target, h, { dryRun, force });
      const s = p.status();
      const ca = p.ca();
      const roots = [rootCert(ca.active.certPem), ...(ca.next ? [rootCert(ca.next.certPem)] : [])];
      return runSetup(target, { h, proxy: { url: s.proxy.url, host: s.proxy.host, port: s.proxy.port, pacUrl: s.proxy.pacUrl }, roots, system: false }, p.hosts(), { dryRun });
    },
    shutdown: () => {
      const stop = p.onShutdownRequest;
      if (stop) setImmediate(stop); // answer first, then shut down
      return { stopping: Boolean(stop) };
    },
    // A reviewer may paste the very secret they refuse: the reason is masked where it enters,
    // so the client's explanation, the record, events and the approvals list never hold it.
    decide: ({ id, decision, argsHash, reason }) =>
      p.approvals.decide(id, { decision, argsHash, reason: reason == null ? null : p.masker.mask(reason).text, approver: whoActs(identity), approverIdentity: recordIdentity(identity.current()) }),
    ...serverReviewHandlers({ ...p.serverReviews, masker: p.masker, accessToken: () => identity.accessToken() }),
    identity: () => identityStatus(identity),
    interceptionPause: ({ via }) => p.interception.pauseBy(whoActs(identity), via),
    interceptionResume: ({ via }) => p.interception.resume(whoActs(identity), via),
    identityReload: async () => {
      await identity.reload();
      return identityStatus(identity);
    },
    identityLogin: ({ device }) => p.signIn.start({ device }),
    identityLogout: async () => {
      p.signIn.cancel();
      await identity.signOut();
      return identityStatus(identity);
    },
  };
}

/** The CA certificates (the next one too, while it waits) and audit exports. */
export function downloadSources(p: Pick<ControlParts, 'store' | 'ca'>): DownloadSources {
  return {
    caPem: () => p.ca().active.certPem + (p.ca().next?.certPem ?? ''),
    exportRecords: (format, { since, until }, write) => {
      const store = p.store();
      exportRecords(
        (function* () {
          for (const r of store.iterate({ since, until })) yield store.resolve(r);
        })(),
        format,
        write,
      );
    },
  };
}

/** The built UI (renderer/dist), when present. */
export function uiDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'renderer', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}
