/**
 * The shell's live view of a running engine, through the control API only: the status
 * (for the tray line), the pending approvals (for popups and the tray count) and whether
 * the stream is up. On every (re)connect it resyncs from the engine's own list, so an
 * approval decided while the stream was down closes its popup, and one requested meanwhile
 * opens one. Never decides anything itself.
 */
import { createControlClient, type ControlEndpoint, type EventStream } from '../../proxy/control/index.js';
import type { ApprovalView, ControlEvent, Status } from '../../proxy/control/index.js';

export interface WatchListener {
  requested(a: ApprovalView): void;
  decided(a: ApprovalView): void;
  /** The engine's pending list after a (re)connect. */
  resynced(pending: ApprovalView[]): void;
  /** Status, connection or pending count changed: redraw the tray. */
  changed(): void;
  /** The stream dropped (the engine may be gone). */
  disconnected(): void;
  /** The policy in force changed (e.g. IT now decides start at login). */
  policyChanged?(): void;
}

export interface EngineWatchOptions {
  fetch?: typeof fetch;
  /** Status is refreshed on traffic, at most this often. */
  statusEveryMs?: number;
  schedule?(fn: () => void, ms: number): () => void;
}

export class EngineWatch {
  status: Status | null = null;
  connected = false;
  private readonly pendingById = new Map<string, ApprovalView>();
  private readonly decidedIds = new Set<string>();
  private stream: EventStream | null = null;
  private statusTimer: (() => void) | null = null;
  private closed = false;
  private readonly client;

  constructor(
    endpoint: ControlEndpoint,
    private readonly listener: WatchListener,
    private readonly opts: EngineWatchOptions = {},
  ) {
    this.client = createControlClient({ url: endpoint.url, token: endpoint.token, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  }

  get pending(): ApprovalView[] {
    return [...this.pendingById.values()];
  }

  start(): void {
    this.stream = this.client.events({
      onEvent: (e) => this.onEvent(e),
      onState: (up) => {
        if (this.closed) return;
        this.connected = up;
        if (up) void this.resync();
        else this.listener.disconnected();
        this.listener.changed();
      },
      onGap: () => void this.resync(),
    });
  }

  stop(): void {
    this.closed = true;
    this.stream?.close();
    this.statusTimer?.();
  }

  /** Decides through the engine (tray shortcuts); the popup closes when the event comes back. */
  decide(id: string, decision: 'approve' | 'deny', argsHash: string) {
    return this.client.call('decide', { id, decision, argsHash });
  }

  get api() {
    return this.client;
  }

  private onEvent(e: ControlEvent) {
    if (this.closed) return;
    if (e.type === 'approval.requested') {
      if (this.decidedIds.has(e.data.id) || this.pendingById.has(e.data.id)) return;
      this.pendingById.set(e.data.id, e.data);
      this.listener.requested(e.data);
      this.listener.changed();
    } else if (e.type === 'approval.decided') {
      this.decidedIds.add(e.data.id);
      if (this.pendingById.delete(e.data.id)) this.listener.changed();
      this.listener.decided(e.data);
    } else if (e.type === 'interaction.completed') {
      this.refreshStatusSoon();
    } else if (e.type === 'interception.changed' || e.type === 'identity.changed' || e.type === 'policy.changed') {
      // The tray shows these at once (paused, signed out, a policy problem).
      this.refreshStatusNow();
      if (e.type === 'policy.changed') this.listener.policyChanged?.();
    }
  }

  private refreshStatusNow() {
    void this.client.status().then(
      (s) => {
        if (this.closed) return;
        this.status = s;
        this.listener.changed();
      },
      () => undefined,
    );
  }

  private async resync() {
    try {
      const [status, list] = await Promise.all([this.client.status(), this.client.call('approvals', {})]);
      if (this.closed) return;
      this.status = status;
      const pending = list.filter((a) => a.status === 'pending' && !this.decidedIds.has(a.id));
      this.pendingById.clear();
      for (const a of pending) this.pendingById.set(a.id, a);
      this.listener.resynced(pending);
      this.listener.changed();
    } catch {
      // The stream's own reconnect will try again.
    }
  }

  private refreshStatusSoon() {
    if (this.statusTimer) return;
    const schedule = this.opts.schedule ?? ((fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    });
    this.statusTimer = schedule(() => {
      this.statusTimer = null;
      void this.client.status().then(
        (s) => {
          if (this.closed) return;
          this.status = s;
          this.listener.changed();
        },
        () => undefined,
      );
    }, this.opts.statusEveryMs ?? 2000);
  }
}
