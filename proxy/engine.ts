/**
 * The engine: wires config, CA, proxy and control API together and owns their lifetime.
 * No policy lives here; this file only connects the parts. Never imports electron.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCa, type CaState } from './ca/index.js';
import { dataPaths, type Config } from './config/index.js';
import type { Interaction } from './model/index.js';
import type { PolicyState, Status } from './control/index.js';
import { ControlServer, EventBus, refuseSecondEngine, registerDownloads, removeControlFile, writeControlFile } from './control-server/index.js';
import { healthOf, runDoctor, tlsSummary } from './doctor/index.js';
import { hostEnv, rootCert, runSetup, undoTarget } from './setup/index.js';
import { effectiveInterceptHosts, InterceptingProxy, InterceptionSwitch, pausedTunnelInteraction, UpstreamPool, type InterceptHooks, type InterceptionSwitchState, type PausedTunnelSummary } from './intercept/index.js';
import { auditSink, identityStage, liveEvents, Pipeline, planRouting, recordAssembly, requestMasking, requestPolicy, responseMasking, toolCallHold } from './pipeline/index.js';
import { loadOrCreateMaskingKey, Masker, PlaceholderLedger } from './masking/index.js';
import { AuditStore, exportRecords, search, storeFailureRefusal, vaultKeyProvider, type StoreHealth } from './audit/index.js';
import { keepPolicyVersion, LivePolicy, managedPolicyFiles, readManagedPolicy, resolvePolicy, type ManagedPolicy, type PolicyInForce, type PolicyProblem } from './policy/index.js';
import { ApprovalRegistry } from './approvals/index.js';
import { IdentityGate, IdentityService, InteractiveSignIn, osUser, recordIdentity, whoami } from './identity/index.js';
import { SyncService } from './sync/index.js';
import { openEngineVault, type KeyVault } from './keys/index.js';
import { join } from 'node:path';
import { ensurePrivateDir } from './fs.js';
import type { Logger } from './log.js';
import { VERSION } from './version.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface EngineOptions {
  dataDir: string;
  config: Config;
  log: Logger;
  now?: () => Date;
  /** Where secrets are kept (desktop: a vault served by the Electron main process); default: DATA_DIR/keys. */
  keyVault?: KeyVault;
  /** A vault whose secrets move into this engine's (desktop → headless); see keys/migrate.ts. */
  keyVaultPrevious?: KeyVault;
  /** HTTP client for the identity provider (tests: one trusting their CA); default: global fetch. */
  identityFetch?: typeof fetch;
  /** Called when a client asks the engine to shut down (`witness stop`); without it the request is declined. */
  onShutdownRequest?: () => void;
  /** Origins allowed to call the control API cross-origin with the token (default: the desktop window's). */
  uiOrigins?: readonly string[];
  /** IT's managed policy layer (tests: a locked layer without writing /etc); default: this OS's sources. */
  managedPolicy?: () => ManagedPolicy | null;
}


export class Engine {
  readonly bus = new EventBus();
  private proxy!: InterceptingProxy;
  private control!: ControlServer;
  private pool!: UpstreamPool;
  private ca!: CaState;
  private startedAt = new Date();
  private lastInterceptedAt: Date | null = null;
  private caTimer: NodeJS.Timeout | null = null;
  private hosts: string[];
  private masker!: Masker;
  /** Placeholder → secret for the round trip: in memory only, forgotten at stop. */
  private readonly placeholders = new PlaceholderLedger();
  private pipeline!: Pipeline;
  private store!: AuditStore;
  private vault!: KeyVault;
  private approvals!: ApprovalRegistry;
  private livePolicy!: LivePolicy;
  /** The policy each exchange is judged by: the one in force when its request arrived. */
  private readonly exchangePolicy = new Map<string, PolicyInForce>();
  /** Set while an exchange's hooks run, so every policy read in them sees that exchange's policy. */
  private judging: PolicyInForce | null = null;
  private identity!: IdentityService;
  private sync: SyncService | null = null;
  private signIn!: InteractiveSignIn;
  private gate!: IdentityGate;
  private hostChange: Promise<void> = Promise.resolve();
  private interception!: InterceptionSwitch;

  constructor(private readonly opts: EngineOptions) {
    this.hosts = effectiveInterceptHosts(opts.config.intercept);
  }

  /** A policy layer (user, IT, central) may set the intercepted hosts; it wins over the config. */
  private hostsFor(policyHosts: string[] | undefined): string[] {
    const intercept = this.opts.config.intercept;
    return policyHosts && policyHosts.length ? effectiveInterceptHosts({ hosts: policyHosts, githubApi: intercept.githubApi }) : effectiveInterceptHosts(intercept);
  }

  async start(): Promise<void> {
    const { dataDir, config, log } = this.opts;
    ensurePrivateDir(dataDir, 'its data dir', 'DATA_DIR_UNUSABLE');
    refuseSecondEngine(dataDir);
    this.startedAt = this.now();
    // A bad policy file fails the start with the key's path, not later mid-request. Once
    // running, every layer is live: a change is in force for the next request, a bad file
    // keeps the last good policy and is reported (status, events, log).
    const userFile = join(dataDir, 'policy.json');
    this.livePolicy = new LivePolicy({
      // The signed-in person's groups select profiles (config identity.groupProfiles); a sign-in or sign-out re-reads.
      load: () => resolvePolicy({ userFile, managed: (this.opts.managedPolicy ?? readManagedPolicy)(), profiles: this.identity?.profiles() ?? [] }),
      files: [userFile, ...managedPolicyFiles()],
      pollMs: 60_000,
      onChange: (next, previous) => void this.policyChanged(next, previous),
      onProblem: (p) => this.policyProblem(p),
    });
    this.archivePolicy(this.livePolicy.current());
    this.hosts = this.hostsFor(this.livePolicy.current().effective.policy.intercept.hosts);
    const inForce = () => this.livePolicy.current().effective.policy;
    this.approvals = new ApprovalRegistry({
      // Read for each held call: the timeout in force when the call is held.
      get timeoutMs() {
        return inForce().approvals.timeoutSeconds * 1000;
      },
      get onTimeout() {
        return inForce().approvals.onTimeout;
      },
      // Who may approve, and who asked: policy approvals.approverGroups / selfApproval, verified identities.
      approverRule: () => inForce().approvals,
      identity: () => recordIdentity(this.identity?.current() ?? null),
      onRequested: (a) => this.bus.publish('approval.requested', a),
      onDecided: (a) => this.bus.publish('approval.decided', a),
    });
    // The one vault for the CA key, the store key and the sign-in, after taking over what an
    // earlier mode of this data dir (headless or desktop) left in another vault.
    this.vault = await openEngineVault({ dataDir, log, ...(this.opts.keyVault ? { vault: this.opts.keyVault } : {}), ...(this.opts.keyVaultPrevious ? { previous: this.opts.keyVaultPrevious } : {}) });
    this.ca = await this.loadCa();
    this.masker = new Masker({ key: loadOrCreateMaskingKey(dataDir), cacheChars: config.masking.cacheChars });
    this.store = await AuditStore.open({
      dataDir,
      log,
      compactEvery: config.audit.compactEvery,
      onHealth: (h) => this.storeHealthChanged(h),
      // With a central server, only what it receipted may be pruned (nothing before sync starts).
      canPrune: (seq) => (config.sync.server === null ? true : (this.sync?.canPrune(seq) ?? false)),
      keyProvider: vaultKeyProvider(this.vault),
    });
    await this.applyRetention();
    for (const issue of this.store.issues) log.error('audit store problem found at start', { where: issue.where, seq: issue.seq, problem: issue.message });
    // The data path, in order (docs/architecture.md, "The data path"). Identity goes first
    // (it fills flow.who, and a request refused for want of a sign-in is read by no other
    // stage), sync after the audit sink.
    this.gate = new IdentityGate({ session: () => this.identity.current(), requireSignIn: () => this.policyNow().effective.policy.identity.requireSignIn });
    const policy = () => this.policyNow().compiled;
    const masking = this.liveMasking();
    const maxInspectedBodyBytes = config.limits.maxInspectedBodyBytes;
    // The placeholder round trip: secrets masked in prompts, in memory only, for the editor's copy of answers.
    const restore = { ledger: this.placeholders, enabled: () => this.policyNow().effective.policy.masking.restoreInResponses };
    this.pipeline = new Pipeline(this.masker, [
      identityStage(this.gate),
      planRouting({ policy }),
      requestMasking({ masker: this.masker, masking, maxInspectedBodyBytes, restore }),
      requestPolicy({ policy, masking }),
      responseMasking({ masker: this.masker, masking, maxInspectedBodyBytes, restore }),
      toolCallHold({ policy, registry: this.approvals, requester: osUser(), restore: { ...restore, responsesMasked: () => masking.responses === 'mask' } }),
      liveEvents({
        live: {
          started: (e) => this.bus.publish('interaction.started', { ...e, user: this.store.user }),
          delta: (e) => this.bus.publish('interaction.delta', e),
        },
      }),
      recordAssembly({ masker: this.masker }),
      auditSink({ append: (interaction) => this.record({ ...interaction, policyVersion: this.policyNow().version }) }),
    ]);
    this.interception = new InterceptionSwitch({
      limits: () => this.livePolicy.current().effective.policy.intercept.pause,
      onChange: (next, previous, why) => this.interceptionChanged(next, previous, why),
    });
    this.identity = await this.startIdentity();
    this.sync = this.startSync();
    this.livePolicy.reload(); // the stored session's profiles, before the first request
    this.signIn = new InteractiveSignIn(this.identity, log.child({ component: 'identity' }));
    this.pool = new UpstreamPool(config.upstream);
    this.proxy = this.makeProxy(config.proxy.port);
    await this.proxy.start();
    this.control = new ControlServer({
      uiDir: uiDir(),
      port: config.control.port,
      // An open tab keeps its sign-in across restarts (hashes only; see control-server/sessions.ts).
      sessionFile: join(this.opts.dataDir, 'ui-sessions.json'),
      ...(this.opts.uiOrigins ? { uiOrigins: this.opts.uiOrigins } : {}),
      bus: this.bus,
      log,
      limits: config.limits,
      handlers: {
        status: () => this.status(),
        search: (q) => search(this.store, q),
        record: ({ id }) => this.store.get(id),
        // What is enforced, never just what the files say (they may hold a rejected edit).
        policy: () => ({ ...this.livePolicy.current().effective, ...this.policyState() }),
        uiLink: () => ({ url: this.control.signInLink() }),
        approvals: () => this.approvals.list(),
        approval: ({ id }) => this.approvals.get(id),
        // A reviewer may paste the very secret they refuse: the reason is masked where it enters,
        // so the client's explanation, the record, events and the approvals list never hold it.
        doctor: () => this.doctor(),
        setup: ({ target, dryRun, undo, force }) => {
          const h = hostEnv(dataDir);
          if (undo) return undoTarget(target, h, { dryRun, force });
          const s = this.status();
          const roots = [rootCert(this.ca.active.certPem), ...(this.ca.next ? [rootCert(this.ca.next.certPem)] : [])];
          return runSetup(target, { h, proxy: { url: s.proxy.url, host: s.proxy.host, port: s.proxy.port, pacUrl: s.proxy.pacUrl }, roots, system: false }, this.hosts, { dryRun });
        },
        shutdown: () => {
          const stop = this.opts.onShutdownRequest;
          if (stop) setImmediate(stop); // answer first, then shut down
          return { stopping: Boolean(stop) };
        },
        decide: ({ id, decision, argsHash, reason }) =>
          this.approvals.decide(id, { decision, argsHash, reason: reason == null ? null : this.masker.mask(reason).text, approver: this.whoActs(), approverIdentity: recordIdentity(this.identity.current()) }),
        identity: () => this.identityStatus(),
        interceptionPause: ({ via }) => this.interception.pauseBy(this.whoActs(), via),
        interceptionResume: ({ via }) => this.interception.resume(this.whoActs(), via),
        identityReload: async () => {
          await this.identity.reload();
          return this.identityStatus();
        },
        identityLogin: ({ device }) => this.signIn.start({ device }),
        identityLogout: async () => {
          this.signIn.cancel();
          await this.identity.signOut();
          return this.identityStatus();
        },
      },
    });
    registerDownloads(this.control, {
      caPem: () => this.ca.active.certPem + (this.ca.next?.certPem ?? ''),
      exportRecords: (format, { since, until }, write) => {
        const store = this.store;
        exportRecords(
          (function* () {
            for (const r of store.iterate({ since, until })) yield store.resolve(r);
          })(),
          format,
          write,
        );
      },
    });
    try {
      await this.control.start();
    } catch (e) {
      await this.proxy.stop();
      throw e;
    }
    writeControlFile(dataDir, {
      version: 1,
      pid: process.pid,
      url: this.control.url,
      token: this.control.token,
      proxyUrl: this.proxy.url,
      startedAt: this.startedAt.toISOString(),
    });
    this.caTimer = setInterval(() => {
      void this.checkCaRotation();
      void this.applyRetention();
    }, DAY_MS / 4);
    this.caTimer.unref();
    this.livePolicy.start();
    log.info('engine started', { proxy: this.proxy.url, control: this.control.url, hosts: this.hosts, policyVersion: this.livePolicy.current().version });
  }

  async stop(): Promise<void> {
    if (this.caTimer) clearInterval(this.caTimer);
    this.livePolicy?.stop();
    this.interception?.close();
    this.signIn?.cancel();
    this.identity?.close();
    // Held streams get the policy default, properly terminated and recorded, before the proxy closes.
    if (this.approvals?.settleAll('Witness stopped before anyone decided; the policy default was applied')) await this.pipeline.drainHolds(10_000);
    await Promise.allSettled([this.control?.stop(), this.proxy?.stop()]);
    this.placeholders.clear();
    await this.sync?.stop();
    this.pool?.close();
    // Appends are started on the next turn of the event loop: let those already scheduled start.
    await new Promise((resolve) => setImmediate(resolve));
    await this.store?.close();
    removeControlFile(this.opts.dataDir);
    this.opts.log.info('engine stopped');
  }

  get proxyUrl() {
    return this.proxy.url;
  }
  get proxyPort() {
    return this.proxy.port;
  }
  get controlUrl() {
    return this.control.url;
  }
  get controlToken() {
    return this.control.token;
  }
  /** A one-time link that signs a browser in to the UI. */
  signInLink() {
    return this.control.signInLink();
  }
  get caState() {
    return this.ca;
  }
  get auditStore() {
    return this.store;
  }
  /** The signed-in person (OIDC), kept fresh; later stages read it for every record and decision. */
  get identityService() {
    return this.identity;
  }

  private identityStatus() {
    return { configured: this.identity.enabled, ...whoami(this.identity.current()) };
  }

  /**
   * The OIDC session from the key vault, refreshed before it expires. A sign-in made by
   * `witness login` in another process reaches the engine through the control API's
   * identity/reload. A vault that cannot be opened leaves the engine signed out, loudly.
   */
  private async startIdentity(): Promise<IdentityService> {
    const { config, log } = this.opts;
    const identity = new IdentityService({
      config: config.identity,
      vault: this.vault,
      log: log.child({ component: 'identity' }),
      autoRefresh: true,
      ...(this.opts.identityFetch ? { fetch: this.opts.identityFetch } : {}),
    });
    identity.onChange((s) => {
      log.info(s ? 'identity: signed in' : 'identity: signed out', s ? { sub: s.sub, issuer: s.issuer, groups: s.groups, expiresAt: s.expiresAt } : {});
      this.bus.publish('identity.changed', this.identityStatus());
      this.livePolicy.reload();
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

  /** Central server sync when sync.server is set: the store is its outbox, receipts come back as events. */
  private startSync(): SyncService | null {
    const c = this.opts.config.sync;
    if (c.server === null || c.serverKeys === null) return null;
    const sync = new SyncService({
      store: this.store,
      dataDir: this.opts.dataDir,
      server: c.server,
      serverKeys: c.serverKeys,
      batchSize: c.batchSize,
      flushMs: c.flushSeconds * 1000,
      accessToken: () => this.identity.accessToken(),
      log: this.opts.log.child({ component: 'sync' }),
      onReceipt: (r) => this.bus.publish('sync.receipt', r),
    });
    this.identity.onChange(() => sync.kick());
    sync.start();
    return sync;
  }

  status(): Status {
    const ca = this.ca;
    const tls = tlsSummary(this.proxy.tlsFailures.recent(), this.lastInterceptedAt, this.now());
    const summary = (c: { subject: string; fingerprint256: string; notBefore: Date; notAfter: Date; permittedSubtrees: string[] }) => ({
      subject: c.subject,
      fingerprint256: c.fingerprint256,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      permittedSubtrees: c.permittedSubtrees,
    });
    return {
      version: VERSION,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      dataDir: this.opts.dataDir,
      proxy: { url: this.proxy.url, host: this.opts.config.proxy.host, port: this.proxy.port, pacUrl: `${this.proxy.url}/proxy.pac` },
      control: { url: this.control.url },
      ca: { ...summary(ca.active), next: ca.next ? summary(ca.next) : null },
      intercept: { hosts: this.hosts, websockets: this.opts.config.intercept.websockets },
      counters: { ...this.proxy.counters, refusedPeers: this.proxy.counters.refusedPeers + this.control.refusedPeers },
      lastInterceptedAt: this.lastInterceptedAt?.toISOString() ?? null,
      audit: { records: this.store.head.seq, headSeq: this.store.head.seq, issues: this.store.issues.map((i) => i.message), store: this.storeState() },
      tls,
      health: this.store.health.ok ? healthOf(tls, this.lastInterceptedAt) : { level: 'warn', message: `Audit records cannot be written (${this.store.health.problem}) — free disk space in ${this.opts.dataDir}` },
      policy: this.policyState(),
      interception: this.interception.state(),
      identity: { signedIn: this.identity.current() !== null, user: this.whoSignedIn(), required: this.identity.enabled },
      sync: this.sync?.status() ?? { server: null, state: 'off', receiptedSeq: 0, waiting: 0, lastReceiptAt: null, lastError: null },
    };
  }

  private whoSignedIn(): string | null {
    const s = this.identity.current();
    return s ? (s.email ?? s.name ?? s.sub) : null;
  }

  /** Who asked for something through the control API: the signed-in person, else the OS user. */
  private whoActs(): string {
    return this.whoSignedIn() ?? osUser();
  }

  private storeState() {
    return { ...this.store.health, onStoreFailure: this.policyNow().effective.policy.audit.onStoreFailure };
  }

  /** Records cannot be kept (disk full…), or can again: loud everywhere status and events reach. */
  private storeHealthChanged(h: StoreHealth) {
    if (!h.ok) this.opts.log.error('audit store: records cannot be written', { problem: h.problem, onStoreFailure: this.storeState().onStoreFailure });
    this.bus.publish('audit.store', this.storeState());
  }

  /** Publishes an interaction and appends it to the audit store. */
  private record(recorded: Interaction) {
    const i = this.gate.stamp(recorded);
    this.bus.publish('interaction.completed', { ...i, user: this.store.user });
    // After this turn of the event loop: the response's last bytes and the client's next
    // request come first; the record is durable a moment later.
    setImmediate(() =>
      this.store.append(i).then(
        (r) => {
          this.bus.publish('record.stored', { id: r.id, seq: r.seq, hash: r.hash });
          this.sync?.kick();
        },
        (e) => this.opts.log.error('could not store an audit record', { err: e, id: i.id }),
      ),
    );
  }

  /** A tunnel that passed unaudited while interception was paused: one record each, saying so. */
  private recordPausedTunnel(s: PausedTunnelSummary) {
    this.record({ ...pausedTunnelInteraction(s), policyVersion: this.livePolicy.current().version });
  }

  private interceptionChanged(next: InterceptionSwitchState, previous: InterceptionSwitchState, why: string) {
    const log = this.opts.log;
    if (next.paused) {
      log.warn('interception paused: Copilot connections pass unaudited, each one recorded as such', { by: next.by, via: next.via, until: next.until });
    } else {
      // Nothing may stay unaudited past the pause on a kept-alive tunnel: clients reconnect, intercepted.
      const closed = this.proxy.closePausedTunnels();
      const pausedForMs = previous.since ? this.now().getTime() - Date.parse(previous.since) : null;
      log.warn('interception resumed', { why, pausedBy: previous.by, pausedSince: previous.since, pausedForMs, tunnelsClosed: closed });
    }
    this.bus.publish('interception.changed', next);
  }

  /** The policy in force, and why the files are not, if they are not. */
  private policyState(): PolicyState {
    const p = this.livePolicy.current();
    return { version: p.version, since: p.since, layers: p.effective.layers, problem: this.livePolicy.problem };
  }

  private policyNow(): PolicyInForce {
    return this.judging ?? this.livePolicy.current();
  }

  /** Runs an exchange's hook with the policy that exchange is judged by. */
  private judgedBy<T>(id: string, fn: () => T): T {
    const outer = this.judging;
    this.judging = this.exchangePolicy.get(id) ?? this.livePolicy.current();
    try {
      return fn();
    } finally {
      this.judging = outer;
    }
  }

  /**
   * Masking per direction: the policy's when a user/IT/central layer sets it, else the
   * config's. Getters, so the pipeline's stages read the policy of the exchange at hand.
   */
  private liveMasking(): Config['masking'] {
    const config = this.opts.config.masking;
    const policy = () => this.policyNow().effective;
    return {
      ...config,
      get requests() {
        const p = policy();
        return p.source['masking.requests'] !== 'default' ? p.policy.masking.requests : config.requests;
      },
      get responses() {
        const p = policy();
        return p.source['masking.responses'] !== 'default' ? p.policy.masking.responses : config.responses;
      },
    };
  }

  private async policyChanged(next: PolicyInForce, previous: PolicyInForce) {
    const log = this.opts.log;
    if (next.version !== previous.version) {
      log.info('policy: a new version is in force', { version: next.version, previous: previous.version, layers: next.effective.layers });
      this.archivePolicy(next);
    } else {
      log.info('policy: same rules, other layers', { version: next.version, layers: next.effective.layers });
    }
    this.bus.publish('policy.changed', this.policyState());
    this.interception.policyChanged();
    // One host change at a time, each applied to the policy then in force.
    this.hostChange = this.hostChange.then(async () => {
      const hosts = this.hostsFor(this.livePolicy.current().effective.policy.intercept.hosts);
      if (hosts.join('\n') !== this.hosts.join('\n')) await this.reloadCaAndProxy(hosts);
    });
    await this.hostChange;
  }

  private policyProblem(p: PolicyProblem | null) {
    const version = this.livePolicy.current().version;
    if (p) this.opts.log.error('policy: a layer was rejected; the last good policy stays in force', { code: p.code, problem: p.message, version });
    else this.opts.log.info('policy: every layer reads again', { version });
    this.bus.publish('policy.changed', this.policyState());
  }

  /** Keeps this version's policy where a record's policyVersion can be looked up (policy-history/). */
  private archivePolicy(p: PolicyInForce) {
    try {
      keepPolicyVersion(this.opts.dataDir, p);
    } catch (e) {
      this.opts.log.error('policy: could not keep a copy of the policy in force in policy-history/', { err: e, version: p.version });
    }
  }

  /** The doctor's checks as this engine's process sees them (its environment and user). */
  doctor() {
    return runDoctor({
      h: hostEnv(this.opts.dataDir),
      engine: { status: this.status(), why: null },
      interceptHosts: this.hosts,
      proxyUrl: this.proxy.url,
      now: () => this.now(),
    });
  }

  private now() {
    return (this.opts.now ?? (() => new Date()))();
  }

  private loadCa(hosts: string[] = this.hosts) {
    const { config, dataDir, log } = this.opts;
    return ensureCa({
      caDir: dataPaths(dataDir).caDir,
      hosts,
      validityDays: config.ca.validityDays,
      renewBeforeDays: config.ca.renewBeforeDays,
      vault: this.vault,
      now: () => this.now(),
      log,
    });
  }

  get maskerInstance() {
    return this.masker;
  }

  private makeProxy(port: number, hosts: string[] = this.hosts) {
    const inspect = this.pipeline.hooks();
    const hooks: InterceptHooks = {
      inspectRequest: (req, body) => {
        // audit.onStoreFailure "block": no Copilot request while its record cannot be kept.
        if (!this.store.canRecord() && this.livePolicy.current().effective.policy.audit.onStoreFailure === 'block') return storeFailureRefusal(req, body);
        this.exchangePolicy.set(req.id, this.livePolicy.current());
        return this.judgedBy(req.id, () => inspect.inspectRequest(req, body));
      },
      responseTransform: (req, head) => this.judgedBy(req.id, () => inspect.responseTransform(req, head)),
      onExchangeStart: (req) => {
        this.lastInterceptedAt = this.now();
        // Paths are published masked (a token may ride in the query); the upstream gets them as sent.
        const path = this.pipeline.maskedPath(req).text;
        this.bus.publish('exchange.started', { id: req.id, method: req.method, host: req.host, path, start: req.startedAt });
        this.store.exchangeStarted({ id: req.id, time: new Date(req.startedAt).toISOString(), method: req.method, host: req.host, path });
      },
      onExchangeEnd: (s) => {
        this.bus.publish('exchange.completed', {
          id: s.request.id,
          method: s.request.method,
          host: s.request.host,
          path: this.pipeline.maskedPath(s.request).text,
          status: s.status,
          outcome: s.outcome,
          timings: s.timings,
          bytes: { fromUpstream: s.bytesFromUpstream, toClient: s.bytesToClient },
          notInspected: s.notInspected,
          error: s.error,
        });
        this.judgedBy(s.request.id, () => inspect.onExchangeEnd(s));
        this.exchangePolicy.delete(s.request.id);
      },
      onWebSocketPassthrough: (s) => {
        this.lastInterceptedAt = this.now();
        this.pipeline.recordWebSocketPassthrough(s);
      },
    };
    return new InterceptingProxy({
      host: this.opts.config.proxy.host,
      port,
      interceptHosts: hosts,
      websockets: this.opts.config.intercept.websockets,
      ca: { keyPem: this.ca.active.issuing.keyPem, certPem: this.ca.active.issuing.certPem },
      pool: this.pool,
      hooks,
      log: this.opts.log,
      maxInspectedBodyBytes: this.opts.config.limits.maxInspectedBodyBytes,
      timeouts: this.opts.config.limits,
      paused: () => this.interception.current(),
      onPausedTunnel: (t) => this.recordPausedTunnel(t),
    });
  }

  private async applyRetention() {
    const { maxAgeDays, maxSizeMB } = this.opts.config.audit;
    try {
      const r = await this.store.prune({ maxAgeMs: maxAgeDays ? maxAgeDays * DAY_MS : null, maxBytes: maxSizeMB ? maxSizeMB * 1024 * 1024 : null });
      if (r.removed) this.opts.log.info('audit retention pruned old records', { removed: r.removed, upToSeq: r.upTo });
    } catch (e) {
      this.opts.log.error('audit retention failed', { err: e });
    }
  }

  /** Periodic: create the next CA ahead of expiry; switch (restart the proxy) when it is due. */
  private async checkCaRotation() {
    try {
      const before = this.ca.active.fingerprint256;
      this.ca = await this.loadCa();
      if (this.ca.active.fingerprint256 !== before) await this.restartProxy('proxy restarted with the rotated CA');
    } catch (e) {
      this.opts.log.error('CA rotation check failed', { err: e });
    }
  }

  /**
   * Other intercepted hosts: the CA must cover them (a new one if not), and the proxy
   * intercepts them. Status shows them once the proxy runs with them.
   */
  private async reloadCaAndProxy(hosts: string[]) {
    try {
      const before = this.ca.active.fingerprint256;
      this.ca = await this.loadCa(hosts);
      if (this.ca.active.fingerprint256 !== before) this.opts.log.warn('a new Witness CA was made for the intercepted hosts: clients must trust it (`witness setup trust`)', { fingerprint256: this.ca.active.fingerprint256 });
      await this.restartProxy('proxy restarted: the policy changed the intercepted hosts', hosts);
    } catch (e) {
      this.opts.log.error('could not apply the intercepted hosts the policy sets; the proxy keeps the ones before', { err: e, hosts, inUse: this.hosts });
    }
  }

  /** The same port, new hosts or CA: open connections are closed, clients reconnect. */
  private async restartProxy(why: string, hosts: string[] = this.hosts) {
    const port = this.proxy.port;
    await this.proxy.stop();
    this.proxy = this.makeProxy(port, hosts);
    await this.proxy.start();
    this.hosts = hosts;
    this.opts.log.info(why, { fingerprint256: this.ca.active.fingerprint256, hosts });
  }
}

/** The built UI (renderer/dist), when present. */
function uiDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 3; i++) {
    const candidate = join(dir, 'renderer', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}
