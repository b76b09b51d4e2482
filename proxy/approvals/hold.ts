/**
 * Holding a streamed response at a tool call until policy (and, for "ask", a person)
 * decides. Text before the call is forwarded live; from the first event of a call on,
 * everything is held (masked bytes) while SSE comments keep the connection alive.
 * Every call is judged on its assembled arguments. All allowed/approved → the held bytes
 * are released exactly; any denied or timed out → once the stream has ended, the held
 * tail is rewritten for the client's protocol without the denied calls.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { StreamAdapter } from '../protocols/index.js';
import { eventStartsCall, SseParser, sseComment, type EndpointKind, type SemanticEvent } from '../protocols/index.js';
import type { ToolDecision } from '../policy/index.js';
import type { ApprovalOutcome, Approval } from './registry.js';
import { rewriteDenied } from './rewrite.js';

export type Verdict = 'pending' | 'allowed' | 'approved' | 'denied' | 'timed-out' | 'cancelled';

export interface CallTrail {
  index: number;
  tool: string;
  arguments: string;
  /** How the arguments are written: JSON, or raw text (custom tools). */
  input: 'json' | 'text';
  verdict: Verdict;
  ruleIds: string[];
  reasons: string[];
  approval: Approval | null;
}

export interface HoldOptions {
  kind: EndpointKind;
  /** `input`: "text" when the call's input is raw text (a custom tool), not JSON arguments. */
  evaluate(tool: string, args: string, input: 'json' | 'text'): ToolDecision;
  requestApproval(call: { tool: string; arguments: string; decision: ToolDecision }): { approval: Approval; outcome: Promise<ApprovalOutcome> };
  cancel(approvalId: string, reason: string): void;
  keepAliveMs?: number;
}

export class HoldingSseTransform extends Transform {
  private readonly parser = new SseParser();
  private readonly sem: SemanticEvent[] = [];
  private held: string[] | null = null;
  readonly calls = new Map<number, CallTrail & { args: string; complete: boolean }>();
  private ended = false;
  private finalCb: TransformCallback | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private finalized = false;

  constructor(
    readonly adapter: StreamAdapter,
    private readonly opts: HoldOptions,
    /** A second, masking adapter that only builds the audit view (client masking off). */
    private readonly record: StreamAdapter | null = null,
  ) {
    super();
  }

  /** The adapter's semantic events arrive here (see Inspector wiring). */
  onSemantic(e: SemanticEvent) {
    this.sem.push(e);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      for (const ev of this.parser.push(chunk)) {
        this.record?.onEvent(ev);
        this.handle(this.adapter.onEvent(ev));
      }
    } catch (e) {
      return cb(e as Error);
    }
    cb();
  }

  override _flush(cb: TransformCallback) {
    try {
      for (const ev of this.parser.end()) {
        this.record?.onEvent(ev);
        this.handle(this.adapter.onEvent(ev));
      }
      this.record?.finish();
      this.handle(this.adapter.finish());
    } catch (e) {
      return cb(e as Error);
    }
    this.ended = true;
    this.finalCb = cb;
    this.settle();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void) {
    this.stopKeepAlive();
    for (const c of this.calls.values()) {
      if (c.verdict === 'pending' && c.approval) {
        c.verdict = 'cancelled'; // now, so the audit record built on this close says so
        this.opts.cancel(c.approval.id, 'the client closed the connection');
      }
    }
    cb(err);
  }

  get trail(): CallTrail[] {
    return [...this.calls.values()].map(({ args: _a, complete: _c, ...t }) => t);
  }

  private handle(out: string) {
    const events = this.sem.splice(0);
    for (const e of events) {
      if (e.kind === 'tool-call-start' && !this.calls.has(e.index)) {
        this.calls.set(e.index, { index: e.index, tool: e.name, arguments: '', input: e.input ?? 'json', args: '', complete: false, verdict: 'pending', ruleIds: [], reasons: [], approval: null });
        if (this.held === null) {
          // Hold from the first event of this call; what comes before it goes out now.
          const [live, rest] = splitAtCallStart(this.opts.kind, out);
          if (live) this.push(live);
          this.held = [];
          out = rest;
          this.startKeepAlive();
        }
      } else if (e.kind === 'tool-call-delta') {
        const c = this.calls.get(e.index);
        if (c) c.args += e.text;
      }
    }
    if (out) {
      if (this.held) this.held.push(out);
      else this.push(out);
    }
    for (const e of events) if (e.kind === 'tool-call-end') this.judge(e.index);
  }

  private judge(index: number) {
    const c = this.calls.get(index);
    if (!c || c.complete) return;
    c.complete = true;
    c.arguments = c.args;
    const d = this.opts.evaluate(c.tool, c.args, c.input);
    c.ruleIds = d.ruleIds;
    c.reasons = d.reasons;
    if (d.decision === 'allow') c.verdict = 'allowed';
    else if (d.decision === 'deny') c.verdict = 'denied';
    else {
      const { approval, outcome } = this.opts.requestApproval({ tool: c.tool, arguments: c.args, decision: d });
      c.approval = approval;
      void outcome.then((o) => {
        c.verdict = o === 'approved' ? 'approved' : o;
        this.settle();
      });
      return;
    }
    this.settle();
  }

  /** Releases, rewrites or keeps waiting, depending on the verdicts so far. */
  private settle() {
    if (this.finalized || this.destroyed) return;
    const calls = [...this.calls.values()];
    // Calls not yet complete at the end of the stream will never complete: judge them as they are.
    if (this.ended) for (const c of calls) if (!c.complete) this.judge(c.index);
    if (calls.some((c) => c.verdict === 'pending')) return;
    const rejected = calls.filter((c) => c.verdict !== 'allowed' && c.verdict !== 'approved');
    if (rejected.length === 0) {
      if (this.held) {
        this.push(this.held.join(''));
        this.held = null;
        this.stopKeepAlive();
      }
    } else {
      if (!this.ended) return; // rewrite once the whole tail is known
      const message = explain(rejected);
      const tail = rewriteDenied(this.opts.kind, (this.held ?? []).join(''), new Set(rejected.map((c) => c.index)), message);
      this.held = null;
      this.stopKeepAlive();
      this.push(tail);
    }
    if (this.ended && this.finalCb) {
      this.finalized = true;
      const cb = this.finalCb;
      this.finalCb = null;
      cb();
    }
  }

  private startKeepAlive() {
    const every = this.opts.keepAliveMs ?? 2500;
    this.keepAlive = setInterval(() => {
      if (this.held && !this.destroyed) this.push(sseComment('witness: waiting for approval'));
    }, every);
    this.keepAlive.unref();
  }

  private stopKeepAlive() {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }
}

function explain(rejected: CallTrail[]): string {
  const lines = rejected.map((c) => {
    const why = c.verdict === 'timed-out' ? 'no one approved it in time' : c.verdict === 'cancelled' ? 'the request was cancelled' : c.approval?.reason ? `denied: ${c.approval.reason}` : 'denied by policy';
    return `- ${c.tool}: ${why}${c.ruleIds.length ? ` (rule ${c.ruleIds.join(', ')})` : ''}`;
  });
  return `Witness blocked ${rejected.length === 1 ? 'a tool call' : `${rejected.length} tool calls`} before it reached your editor:\n${lines.join('\n')}`;
}

/**
 * Splits an adapter output at the first event that carries a tool call (any shape the
 * protocol has: tool-calls.ts). When none can be found, all of it is held.
 */
function splitAtCallStart(kind: EndpointKind, out: string): [string, string] {
  const p = new SseParser();
  const events = [...p.push(out), ...p.end()];
  let pos = 0;
  for (const ev of events) {
    let o: unknown = null;
    try {
      o = ev.data ? JSON.parse(ev.data) : null;
    } catch {
      o = null;
    }
    if (eventStartsCall(kind, o)) return [out.slice(0, pos), out.slice(pos)];
    pos += ev.raw.length;
  }
  return ['', out];
}
