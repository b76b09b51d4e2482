/**
 * The data path: implements the intercept layer's hooks by running an ordered list of
 * stages over one Flow per exchange. The order is the list the engine passes; this file
 * knows no stage by name. A stage that refuses a request ends the request steps: the
 * client is answered in its own protocol and nothing goes upstream.
 */
import type { Transform } from 'node:stream';
import type { InterceptHooks } from '../intercept/index.js';
import type { Interaction } from '../model/index.js';
import { maskUrl, type Masker, type MaskResult } from '../masking/index.js';
import { classifyEndpoint, familyFor, type SemanticEvent, type StreamErrorTail, type StreamFailure } from '../protocols/index.js';
import type { ExchangeRequest, ExchangeResponseHead, ExchangeSummary, Flow, RequestAction, Stage, WebSocketSummary } from './flow.js';
import { webSocketRecord } from './stages/record.js';
import { AfterWork, type AfterWorkLimits } from './after-work.js';

/** An exchange younger than this is latency-critical: the after-work of others waits for it (see after-work.ts). */
const CRITICAL_MS = 5;

export interface PipelineOptions {
  /**
   * Run what follows an exchange's end (stages' `end`, the `recorded` stages) when it delays
   * no young exchange, within these bounds; without them it runs at once, in the end hook.
   */
  afterWork?: AfterWorkLimits;
  /**
   * Whether deferring is wanted now (the data path: while the store can keep records; when it
   * cannot, records are tried at once, as is everything queued before them).
   */
  defer?: () => boolean;
}

export class Pipeline {
  private readonly flows = new Map<string, Flow>();
  /** Masked request targets, computed once per exchange (events, live view and record share it). */
  private readonly paths = new WeakMap<ExchangeRequest, MaskResult>();

  /** When each exchange in flight started (performance.now()): the young ones hold the after-work back. */
  private readonly starts = new Map<string, number>();
  private readonly afterWork: AfterWork | null;
  /** The stages with a `responseEvent` hook, in list order (the list is fixed): the tap's. */
  private readonly eventStages: readonly Stage[];
  /** Whether deferring after-work is wanted now (PipelineOptions.defer). */
  private readonly defer: () => boolean;

  constructor(
    private readonly masker: Masker,
    readonly stages: readonly Stage[],
    opts: PipelineOptions = {},
  ) {
    this.afterWork = opts.afterWork ? new AfterWork(() => this.busy(), opts.afterWork) : null;
    this.eventStages = stages.filter((s) => s.responseEvent);
    this.defer = opts.defer ?? (() => true);
  }

  /** Whether an exchange is in its first milliseconds (waiting for its answer or first event). */
  private busy(): boolean {
    const young = performance.now() - CRITICAL_MS;
    for (const t of this.starts.values()) if (t > young) return true;
    return false;
  }

  /** Work after an exchange's end: queued when the pipeline defers it, else done now. */
  private after(work: () => void) {
    if (!this.afterWork) return work();
    this.afterWork.push(work);
    if (!this.defer()) this.afterWork.flush();
  }

  /**
   * Work that an exchange's after-work starts for after its turn of the event loop (the audit
   * append of the record it assembled): then, when no exchange is young, else with the queued
   * after-work, in the order given (AfterWork.later). Without after-work: on the next turn.
   */
  later(work: () => void) {
    if (!this.afterWork) return void setImmediate(work);
    this.afterWork.later(work, this.defer);
  }

  /** Runs every exchange's queued after-work now, in order (the engine stops; nothing is left behind). */
  flushAfterWork() {
    this.afterWork?.flush();
  }

  hooks(): Required<Pick<InterceptHooks, 'inspectRequest' | 'responseTransform' | 'streamFailure' | 'onExchangeEnd'>> {
    return {
      inspectRequest: (req, body) => this.request(req, body),
      responseTransform: (req, head) => this.responseHead(req, head),
      streamFailure: (req, failure) => this.streamFailure(req, failure),
      onExchangeEnd: (s) => this.end(s),
    };
  }

  /** An event stream that must end early: its family's error event, when the family has one. */
  streamFailure(req: ExchangeRequest, failure: StreamFailure): StreamErrorTail | null {
    const flow = this.flows.get(req.id);
    const seen = flow?.response.stream?.client;
    if (!flow || !seen || !flow.family.streamError) return null;
    return flow.family.streamError(flow.kind, failure, seen);
  }

  /** The request target with secrets masked (path and query, percent-decoded too): what records and events show. */
  maskedPath(req: ExchangeRequest): MaskResult {
    let r = this.paths.get(req);
    if (!r) {
      r = maskUrl(this.masker, req.path);
      this.paths.set(req, r);
    }
    return r;
  }

  request(req: ExchangeRequest, body: Buffer | null): RequestAction {
    const kind = classifyEndpoint(req.method, req.host, req.path);
    const family = familyFor(kind);
    const target = this.maskedPath(req);
    const flow: Flow = {
      req,
      kind,
      family,
      path: target.text,
      view: family.readRequest(target.text, null),
      maskings: new Map(),
      notInspected: [],
      blocked: false,
      ruleIds: [],
      request: { findings: [], uninspectable: null, forward: null },
      response: { headers: null, stream: null, view: null, buffered: null, maskings: new Map(), bufferedTransform: null, transform: null, makeTransform: null, holder: null, restoredForEditor: { restored: 0, collisions: 0 }, pace: [] },
      who: null,
      record: null,
    };
    for (const f of target.findings) flow.maskings.set(f.type, (flow.maskings.get(f.type) ?? 0) + 1);
    this.flows.set(req.id, flow);
    this.starts.set(req.id, performance.now());
    for (const stage of this.stages) {
      const verdict = stage.request?.(flow, body);
      if (verdict) {
        flow.blocked = true;
        const r = family.refusal(kind, verdict.refuse, { stream: flow.view.stream || kind === 'completion', model: flow.view.model });
        return { kind: 'respond', status: r.status, headers: r.headers, body: r.body };
      }
    }
    const fwd = flow.request.forward;
    return fwd ? { kind: 'forward', body: fwd.body, headers: fwd.headers } : { kind: 'forward' };
  }

  responseHead(req: ExchangeRequest, head: ExchangeResponseHead): Transform | null {
    const flow = this.flows.get(req.id);
    if (!flow) return null;
    flow.response.headers = head.headers;
    const events = this.eventStages;
    const tap = (e: SemanticEvent) => {
      for (const s of events) s.responseEvent!(flow, e);
    };
    for (const stage of this.stages) stage.responseHead?.(flow, head, tap);
    const r = flow.response;
    if (!r.transform && r.makeTransform) r.transform = r.makeTransform();
    r.makeTransform = null;
    return r.transform;
  }

  /**
   * The exchange ended: its stages' `end` and its record, now or (deferring) a moment later
   * through `within`, which restores what the exchange's hooks ran in (its policy).
   */
  end(s: ExchangeSummary, within: (fn: () => void) => void = (fn) => fn()) {
    this.starts.delete(s.request.id);
    this.after(() => within(() => this.ended(s)));
  }

  private ended(s: ExchangeSummary) {
    const flow = this.flows.get(s.request.id);
    if (!flow) return;
    this.flows.delete(s.request.id);
    for (const stage of this.stages) stage.end?.(flow, s);
    if (flow.record) this.recorded(flow.record);
    for (const f of this.onFlowEnd) f();
  }

  /**
   * A WebSocket let through unaudited (`intercept.websockets: "passthrough"`): recorded like
   * any interaction, saying plainly that its frames were not inspected.
   */
  recordWebSocketPassthrough(s: WebSocketSummary) {
    this.after(() => this.recorded(webSocketRecord(s, this.maskedPath(s.request), this.masker)));
  }

  /**
   * Resolves once every exchange held at a tool call when this was called has ended (its
   * record handed on), or after `timeoutMs`. The engine settles pending approvals with the
   * policy default first, so held streams are answered and properly terminated on shutdown.
   */
  async drainHolds(timeoutMs: number): Promise<void> {
    const held = [...this.flows.values()].filter((f) => f.response.holder && !f.response.holder.destroyed);
    if (held.length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const check = () => {
        if (held.every((f) => !this.flows.has(f.req.id))) done();
      };
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.onFlowEnd.push(check);
    });
    this.onFlowEnd.length = 0;
  }

  private readonly onFlowEnd: Array<() => void> = [];

  /**
   * A record made outside the stages (a tunnel that passed unaudited while interception was
   * paused): handed to the `recorded` hooks like any other.
   */
  recordUnaudited(record: Interaction) {
    this.after(() => this.recorded(record));
  }

  /** Each stage's `recorded` in list order; a stage that returns a promise holds the rest until it resolves. */
  private recorded(record: Interaction, from = 0) {
    for (let i = from; i < this.stages.length; i++) {
      const pending = this.stages[i]!.recorded?.(record);
      if (pending instanceof Promise) {
        pending.then(
          () => this.recorded(record, i + 1),
          () => undefined, // the stage reported its failure; later stages must not act on a record that is not kept
        );
        return;
      }
    }
  }
}
