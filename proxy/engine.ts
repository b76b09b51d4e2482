/**
 * The engine: wires config, CA, proxy and control API together and owns their lifetime.
 * No policy lives here; this file only connects the parts (their wiring, each small, is in
 * wiring/: the data path's stage list, control handlers, status). Never imports electron.
 */
import { join } from 'node:path';
import { ensureCa, type CaState } from './ca/index.js';
import { dataPaths, type Config } from './config/index.js';
import type { Status } from './control/index.js';
import { ControlServer, EventBus, refuseSecondEngine, registerDownloads, removeControlFile, writeControlFile } from './control-server/index.js';
import { runDoctor } from './doctor/index.js';
import { hostEnv } from './setup/index.js';
import { effectiveInterceptHosts, InterceptingProxy, InterceptionSwitch, pausedTunnelInteraction, UpstreamPool, type InterceptionSwitchState } from './intercept/index.js';
import type { Pipeline } from './pipeline/index.js';
import { Masker, PlaceholderLedger } from './masking/index.js';
import { AuditStore, legacyDeviceKey, vaultKeyProvider, type StoreHealth } from './audit/index.js';
import { VERSION } from './version.js';
import { LivePolicy, managedPolicyFiles, readManagedPolicy, resolvePolicy, type ManagedPolicy, type PolicyInForce, type PolicyProblem } from './policy/index.js';
import type { ApprovalRegistry } from './approvals/index.js';
import { deviceId, IdentityGate, InteractiveSignIn, openDeviceSigner, osUser, recordIdentity, type IdentityService } from './identity/index.js';
import type { SyncService } from './sync/index.js';
import { maskingKey, openEngineVault, type KeyVault } from './keys/index.js';
import { applyRetention, approvalRegistry, archivePolicy, controlHandlers, dataPath, deviceFacts, downloadSources, engineHooks, engineStatus, PolicyJudge, policyChangeLogged, policyProblemLogged, policyState, startIdentity, startSync, uiDir } from './wiring/index.js';
import { ensurePrivateDir } from './fs.js';
import type { Logger } from './log.js';

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
  /** HTTP client for the central server (tests: one trusting their CA); default: global fetch. */
  syncFetch?: typeof fetch;
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
  /** Every few hours: the CA's rotation and the audit store's retention. */
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private hosts: string[];
  private masker!: Masker;
  /** Placeholder → secret for the round trip: in memory only, forgotten at stop. */
  private readonly placeholders = new PlaceholderLedger();
  private pipeline!: Pipeline;
  private store!: AuditStore;
  private vault!: KeyVault;
  private approvals!: ApprovalRegistry;
  private livePolicy!: LivePolicy;
  private judge!: PolicyJudge;
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
      load: () => resolvePolicy({ userFile, managed: (this.opts.managedPolicy ?? readManagedPolicy)(), central: this.sync?.central.document() ?? null, profiles: this.identity?.profiles() ?? [] }),
      files: [userFile, ...managedPolicyFiles()],
      pollMs: 60_000,
      onChange: (next, previous) => void this.policyChanged(next, previous),
      onProblem: (p) => this.policyProblem(p),
    });
    this.judge = new PolicyJudge(() => this.livePolicy.current());
    archivePolicy(dataDir, log, this.livePolicy.current());
    this.hosts = this.hostsFor(this.livePolicy.current().effective.policy.intercept.hosts);
    this.approvals = approvalRegistry({
      policy: () => this.livePolicy.current().effective.policy,
      identity: () => recordIdentity(this.identity?.current() ?? null),
      bus: this.bus,
      reviews: () => this.sync?.reviews ?? null,
    });
    // The one vault for the CA key, the store key and the sign-in, after taking over what an
    // earlier mode of this data dir (headless or desktop) left in another vault.
    this.vault = await openEngineVault({ dataDir, log, ...(this.opts.keyVault ? { vault: this.opts.keyVault } : {}), ...(this.opts.keyVaultPrevious ? { previous: this.opts.keyVaultPrevious } : {}) });
    this.ca = await this.loadCa();
    this.masker = new Masker({ key: (await maskingKey(this.vault, dataDir, { create: true }))!, cacheChars: config.masking.cacheChars });
    // Who and where, worked out by identity: the store only writes them down and signs.
    const keyProvider = vaultKeyProvider(this.vault);
    const deviceKey = await openDeviceSigner(this.vault, { create: true, legacy: legacyDeviceKey(dataDir, keyProvider) });
    this.store = await AuditStore.open({
      dataDir,
      log,
      device: deviceId(dataDir),
      user: osUser(),
      signer: deviceKey.signer!,
      signerProblem: deviceKey.problem,
      compactEvery: config.audit.compactEvery,
      onHealth: (h) => this.storeHealthChanged(h),
      // With a central server, only what it receipted may be pruned (nothing before sync starts).
      canPrune: (seq) => (config.sync.server === null ? true : (this.sync?.canPrune(seq) ?? false)),
      keyProvider,
    });
    await applyRetention(this.store, config.audit, log);
    for (const issue of this.store.issues) log.error('audit store problem found at start', { where: issue.where, seq: issue.seq, problem: issue.message });
    this.interception = new InterceptionSwitch({
      limits: () => this.livePolicy.current().effective.policy.intercept.pause,
      onChange: (next, previous, why) => this.interceptionChanged(next, previous, why),
    });
    this.identity = await startIdentity({ config, vault: this.vault, log, bus: this.bus, onChange: () => this.livePolicy.reload(), ...(this.opts.identityFetch ? { fetch: this.opts.identityFetch } : {}) });
    this.sync = await startSync({ config, dataDir, store: this.store, identity: this.identity, log, bus: this.bus, version: VERSION,
      onCentralPolicy: () => this.livePolicy.reload(),
      facts: () => deviceFacts(this.interception, this.ca, this.proxy),
      ...(this.opts.syncFetch ? { fetch: this.opts.syncFetch } : {}),
    });
    this.livePolicy.reload(); // the stored session's profiles, before the first request
    this.signIn = new InteractiveSignIn(this.identity, log.child({ component: 'identity' }));
    this.gate = new IdentityGate({ session: () => this.identity.current(), requireSignIn: () => this.policyNow().effective.policy.identity.requireSignIn });
    this.pipeline = dataPath({
      config,
      log,
      bus: this.bus,
      masker: this.masker,
      placeholders: this.placeholders,
      gate: this.gate,
      approvals: this.approvals,
      store: this.store,
      sync: this.sync,
      policyNow: () => this.policyNow(),
    });
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
      handlers: controlHandlers({
        dataDir,
        store: () => this.store,
        ca: () => this.ca,
        hosts: () => this.hosts,
        control: () => this.control,
        status: () => this.status(),
        policy: () => ({ ...this.livePolicy.current().effective, ...policyState(this.livePolicy) }),
        doctor: () => this.doctor(),
        approvals: this.approvals,
        masker: this.masker,
        identity: this.identity,
        signIn: this.signIn,
        interception: this.interception,
        serverReviews: { server: config.sync.server, fetch: this.opts.syncFetch },
        onShutdownRequest: this.opts.onShutdownRequest,
      }),
    });
    registerDownloads(this.control, downloadSources({ store: () => this.store, ca: () => this.ca }));
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
    this.maintenanceTimer = setInterval(() => {
      void this.checkCaRotation();
      void applyRetention(this.store, config.audit, log);
    }, DAY_MS / 4);
    this.maintenanceTimer.unref();
    this.livePolicy.start();
    log.info('engine started', { proxy: this.proxy.url, control: this.control.url, hosts: this.hosts, policyVersion: this.livePolicy.current().version });
  }

  async stop(): Promise<void> {
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
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
    // Records not yet assembled (after-work waits for quiet moments): assembled and handed on now.
    this.pipeline?.flushAfterWork();
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

  status(): Status {
    return engineStatus({
      dataDir: this.opts.dataDir,
      config: this.opts.config,
      startedAt: this.startedAt,
      now: this.now(),
      ca: this.ca,
      proxy: this.proxy,
      control: this.control,
      hosts: this.hosts,
      lastInterceptedAt: this.lastInterceptedAt,
      store: this.store,
      storeState: this.storeState(),
      policy: policyState(this.livePolicy),
      interception: this.interception,
      identity: this.identity,
      requireSignIn: this.policyNow().effective.policy.identity.requireSignIn,
      sync: this.sync,
    });
  }

  private storeState() {
    return { ...this.store.health, onStoreFailure: this.policyNow().effective.policy.audit.onStoreFailure };
  }

  /** Records cannot be kept (disk full…), or can again: loud everywhere status and events reach. */
  private storeHealthChanged(h: StoreHealth) {
    if (!h.ok) this.opts.log.error('audit store: records cannot be written', { problem: h.problem, onStoreFailure: this.storeState().onStoreFailure });
    // Records waiting for a quiet moment are tried now (outside the store's failure path):
    // while it cannot record, nothing is deferred, so its state is what status shows.
    if (!h.ok) setImmediate(() => this.pipeline?.flushAfterWork());
    this.bus.publish('audit.store', this.storeState());
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

  private policyNow(): PolicyInForce {
    return this.judge.now();
  }

  private async policyChanged(next: PolicyInForce, previous: PolicyInForce) {
    policyChangeLogged(this.opts.dataDir, this.opts.log, next, previous);
    this.bus.publish('policy.changed', policyState(this.livePolicy));
    this.interception.policyChanged();
    // One host change at a time, each applied to the policy then in force.
    this.hostChange = this.hostChange.then(async () => {
      const hosts = this.hostsFor(this.livePolicy.current().effective.policy.intercept.hosts);
      if (hosts.join('\n') !== this.hosts.join('\n')) await this.reloadCaAndProxy(hosts);
    });
    await this.hostChange;
  }

  private policyProblem(p: PolicyProblem | null) {
    policyProblemLogged(this.opts.log, p, this.livePolicy.current().version);
    this.bus.publish('policy.changed', policyState(this.livePolicy));
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
    const hooks = engineHooks({
      pipeline: this.pipeline,
      judge: this.judge,
      bus: this.bus,
      store: this.store,
      policy: () => this.livePolicy.current(),
      intercepted: () => (this.lastInterceptedAt = this.now()),
    });
    return new InterceptingProxy({
      host: this.opts.config.proxy.host,
      port,
      interceptHosts: hosts,
      websockets: this.opts.config.intercept.websockets,
      ca: { keyPem: this.ca.active.issuing.keyPem, certPem: this.ca.active.issuing.certPem },
      pool: this.pool,
      // A stream whose upstream stalls ends with its family's error event (issue 20).
      hooks: { ...hooks, streamFailure: (req, failure) => this.pipeline.streamFailure(req, failure) },
      log: this.opts.log,
      maxInspectedBodyBytes: this.opts.config.limits.maxInspectedBodyBytes,
      timeouts: this.opts.config.limits,
      paused: () => this.interception.current(),
      // A tunnel that passed unaudited while interception was paused: one record each, saying so.
      onPausedTunnel: (t) => this.pipeline.recordUnaudited(pausedTunnelInteraction(t)),
    });
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
