/**
 * The sync client: sends this device's records to the central server and keeps its
 * receipts. The audit store is the outbox: after each receipt the state moves to the
 * receipted head, so a restart, a kill or days offline resume from there (at-least-once
 * delivery; the server stores each record once). Batches go when `batchSize` records wait or
 * `flushMs` after the first one; failures back off exponentially with jitter. A signed-in
 * device enrols itself with the user's access token. Refuses a non-HTTPS server unless it
 * is on loopback. Never logs a record, a token or a key.
 */
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { calculateJwkThumbprint } from 'jose';
import type { AuditStore } from '../audit/index.js';
import type { Logger } from '../log.js';
import { CheckInResponseSchema, ServerErrorSchema, type ReceiptPayload, type SyncStatus } from '../model/index.js';
import { nextBatch } from './batch.js';
import { CentralPolicyLayer } from './central.js';
import { sealCheckIn } from './checkin.js';
import { keepReceipt, readState, writeState, type SyncState } from './state.js';
import { openReceipt, pinnedKeys, publicJwkOf, sealBatch, type PinnedKeys } from './wire.js';

export interface SyncOptions {
  store: AuditStore;
  dataDir: string;
  /** sync.server */
  server: string;
  /** sync.serverKeys: the pinned JWKS file. */
  serverKeys: string;
  /** The signed-in user's access token for the server's audience (null: signed out). */
  accessToken: () => string | null;
  log: Logger;
  fetch?: typeof fetch;
  onReceipt?: (r: ReceiptPayload) => void;
  batchSize?: number;
  flushMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  /** How often the device checks in (what it runs, what waits) and asks for the central policy; default 60 s. */
  checkInMs?: number;
  /** The Witness version it reports. */
  version?: string;
  /** A new central policy version is held: re-read the policy layers. */
  onCentralPolicy?: () => void;
}

/** https://, or http:// to a loopback host only (the wire is encrypted anyway, but the token is not). */
export function checkServerUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`sync.server: not a URL: "${url}"`);
  }
  // An IPv4 literal in 127/8, not a name that merely starts with "127." (127.0.0.1.example.com).
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || (isIPv4(u.hostname) && u.hostname.startsWith('127.'));
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new Error(`sync.server must be an https:// URL (plain http only on loopback): "${url}"`);
  return u;
}

export class SyncService {
  private state: SyncState;
  private keys: PinnedKeys | null = null;
  private phase: SyncStatus['state'] = 'idle';
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;
  private readonly url: string;
  private checkInTimer: NodeJS.Timeout | null = null;
  /** The central policy layer from the server's signed bundles (null document: none yet). */
  readonly central: CentralPolicyLayer;

  constructor(private readonly opts: SyncOptions) {
    this.url = checkServerUrl(opts.server).toString().replace(/\/$/, '');
    const saved = readState(opts.dataDir);
    this.state =
      saved && saved.server === this.url
        ? saved
        : { v: 1, server: this.url, receipted: opts.store.pruned, lastReceiptAt: null, enrolled: null };
    try {
      this.keys = pinnedKeys(JSON.parse(readFileSync(opts.serverKeys, 'utf8')));
    } catch (e) {
      this.fail(`sync.serverKeys ${opts.serverKeys}: ${(e as Error).message}`, false);
    }
    this.central = new CentralPolicyLayer(opts.dataDir, this.keys);
  }

  /** Retention's hook: only records the server has receipted may go. */
  canPrune(seq: number): boolean {
    return seq <= this.state.receipted.seq;
  }

  status(): SyncStatus {
    return {
      server: this.url,
      state: this.phase,
      receiptedSeq: this.state.receipted.seq,
      waiting: Math.max(0, this.opts.store.head.seq - this.state.receipted.seq),
      lastReceiptAt: this.state.lastReceiptAt,
      lastError: this.lastError,
      centralPolicy: { version: this.central.version, problem: this.central.problem },
    };
  }

  /** Reads the kept central policy back (before the engine's first policy read), then starts sending and checking in. */
  async start(): Promise<void> {
    await this.central.load();
    if (this.central.problem) this.opts.log.error('sync: ' + this.central.problem);
    this.schedule(0);
    this.scheduleCheckIn(0);
  }

  /** Checks in now: reports to the server, and takes a newer signed policy bundle from its answer (unless only reporting). */
  async checkIn(apply = true): Promise<void> {
    if (!this.keys || !this.state.enrolled || this.stopped) return;
    const store = this.opts.store;
    const waiting = this.status().waiting;
    const oldest = waiting ? store.recordsAfter(this.state.receipted.seq, 1)[0] : undefined;
    const body = await sealCheckIn(
      {
        v: 1,
        device: store.device,
        at: new Date().toISOString(),
        version: this.opts.version ?? '0.0.0',
        policyVersion: this.central.version,
        waiting,
        syncLag: oldest ? Math.max(0, (Date.now() - Date.parse(oldest.time)) / 1000) : 0,
        policyProblem: this.central.problem,
      },
      store.deviceSigningKey.privateKey,
    );
    let res: Response;
    try {
      res = await this.http('/api/v1/check-in', { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
    } catch {
      return; // unreachable: the batch loop reports and backs off; the next check-in tries again
    }
    const answer = CheckInResponseSchema.safeParse(await res.json().catch(() => null));
    if (!res.ok || !answer.success) {
      this.opts.log.warn('sync: check-in refused', { server: this.url, status: res.status });
      return;
    }
    const offered = answer.data.policy;
    if (!apply || !offered) return;
    const before = this.central.problem;
    try {
      if (await this.central.accept(offered.bundle)) {
        this.opts.log.info('sync: central policy in force', { version: offered.version });
        this.opts.onCentralPolicy?.();
      }
    } catch {
      if (this.central.problem === before) return; // refused again for the same reason: reported already
      this.opts.log.error('sync: a central policy bundle was refused; the last good one stays in force', { offered: offered.version, version: this.central.version, problem: this.central.problem });
      await this.checkIn(false); // tell the server now (a security event there), not at the next check-in
    }
  }

  private scheduleCheckIn(ms: number) {
    if (this.stopped) return;
    if (this.checkInTimer) clearTimeout(this.checkInTimer);
    this.checkInTimer = setTimeout(() => {
      this.checkInTimer = null;
      void this.checkIn()
        .catch((e) => this.opts.log.warn('sync: check-in failed', { server: this.url, error: (e as Error).message }))
        .finally(() => this.scheduleCheckIn(this.opts.checkInMs ?? 60_000));
    }, ms);
    this.checkInTimer.unref();
  }

  /** A record was stored: send when a batch is full, or after flushMs. */
  kick(): void {
    if (this.stopped || !this.keys || this.phase === 'backoff') return;
    const waiting = this.status().waiting;
    this.schedule(waiting >= (this.opts.batchSize ?? 100) ? 0 : (this.opts.flushMs ?? 1000));
  }

  /** Sends everything waiting now (tests, `witness sync`-like callers); resolves when idle or failed. */
  async flush(): Promise<SyncStatus> {
    if (this.running) await this.running;
    await this.run();
    return this.status();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.checkInTimer) clearTimeout(this.checkInTimer);
    this.timer = this.checkInTimer = null;
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number) {
    if (this.stopped || (this.timer && ms > 0)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, ms);
    this.timer.unref();
  }

  private run(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    if (!this.keys) return;
    try {
      while (!this.stopped) {
        if (!this.state.enrolled && !(await this.enrol())) return;
        const batch = nextBatch(this.opts.store, this.state.receipted, this.opts.batchSize ?? 100);
        if (!batch) {
          this.phase = 'idle';
          this.failures = 0;
          return;
        }
        this.phase = 'sending';
        const key = this.opts.store.deviceSigningKey.privateKey;
        const body = await sealBatch(batch, { privateKey: key, publicJwk: publicJwkOf(key) }, this.keys);
        const res = await this.http('/api/v1/ingest', { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
        const json = (await res.json().catch(() => null)) as { receipt?: string } | null;
        if (res.ok && json?.receipt) {
          await this.accept(json.receipt, batch.records[batch.records.length - 1]!.record as { seq: number; hash: string });
          continue;
        }
        const err = ServerErrorSchema.safeParse(json);
        const code = err.success ? err.data.error.code : `HTTP ${res.status}`;
        if (code === 'BATCH_DUPLICATE' && err.success && err.data.receipt) {
          // Stored before (our receipt was lost): take the server's receipt of the head it holds.
          await this.accept(err.data.receipt, null);
          continue;
        }
        if (code === 'DEVICE_UNKNOWN') this.state.enrolled = null;
        this.fail(`${code}: ${err.success ? err.data.error.message : 'unexpected answer'}`);
        return;
      }
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      this.fail(err instanceof TypeError || err.name === 'TimeoutError' ? `cannot reach ${this.url}: ${err.cause?.code ?? err.message}` : err.message);
    }
  }

  /** Checks a receipt against the pinned key and the local chain, keeps it, moves the state on. */
  private async accept(jws: string, expect: { seq: number; hash: string } | null) {
    const r = await openReceipt(jws, this.keys!);
    if (r.device !== this.opts.store.device) throw new Error(`the receipt is for device "${r.device}"`);
    const local = this.opts.store.recordsAfter(r.seq - 1, 1)[0];
    if ((expect && (r.seq !== expect.seq || r.hash !== expect.hash)) || !local || local.hash !== r.hash)
      throw new Error(`the server receipted seq ${r.seq} with a hash that is not this device's`);
    keepReceipt(this.opts.dataDir, { jws, receipt: r });
    this.state = { ...this.state, receipted: { seq: r.seq, hash: r.hash }, lastReceiptAt: new Date().toISOString() };
    writeState(this.opts.dataDir, this.state);
    this.failures = 0;
    this.lastError = null;
    this.opts.onReceipt?.(r);
  }

  private async enrol(): Promise<boolean> {
    const token = this.opts.accessToken();
    if (!token) {
      this.phase = 'enrolling';
      this.lastError = 'not signed in: run `witness login` so this device can enrol with the central server';
      return false;
    }
    this.phase = 'enrolling';
    const publicJwk = publicJwkOf(this.opts.store.deviceSigningKey.privateKey);
    const res = await this.http('/api/v1/devices', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: this.opts.store.device, publicKey: publicJwk }),
    });
    if (!res.ok) {
      const err = ServerErrorSchema.safeParse(await res.json().catch(() => null));
      this.fail(`enrolment refused (${err.success ? `${err.data.error.code}: ${err.data.error.message}` : `HTTP ${res.status}`})`);
      return false;
    }
    this.state = { ...this.state, enrolled: { keyThumbprint: await calculateJwkThumbprint(publicJwk), at: new Date().toISOString() } };
    writeState(this.opts.dataDir, this.state);
    this.opts.log.info('sync: device enrolled', { server: this.url, device: this.opts.store.device });
    this.scheduleCheckIn(0);
    return true;
  }

  private http(path: string, init: RequestInit): Promise<Response> {
    return (this.opts.fetch ?? fetch)(this.url + path, { ...init, signal: AbortSignal.timeout(30_000) });
  }

  private fail(message: string, retry = true) {
    this.lastError = message;
    this.phase = retry ? 'backoff' : 'error';
    this.opts.log.warn('sync: ' + message.split(':')[0], { server: this.url });
    if (!retry || this.stopped) return;
    const base = this.opts.baseBackoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 5 * 60_000;
    const delay = Math.min(max, base * 2 ** Math.min(this.failures++, 20)) * (0.5 + (this.opts.random ?? Math.random)() / 2);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.phase = 'idle';
      void this.run();
    }, delay);
    this.timer.unref();
  }
}
