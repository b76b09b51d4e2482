/**
 * Holding a streamed response at a tool call until policy (and, for "ask", a person)
 * decides. Text before the call is forwarded live; from the first event of a call on,
 * everything is held (masked bytes) while SSE comments keep the connection alive.
 * Every call is judged on its assembled arguments. All allowed/approved → the held bytes
 * are released exactly; any denied or timed out → once the stream has ended, the held
 * tail is rewritten by the protocol's family without the denied calls.
 * The adapter's output comes per event with the semantic events each piece carries, so
 * the hold cuts at the piece that starts a call without parsing the adapter's output.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { AdapterPiece, ProtocolFamily, StreamAdapter } from '../protocols/index.js';
import { SseParser, sseComment, type SemanticEvent } from '../protocols/index.js';
import type { ToolDecision } from '../policy/index.js';
import type { ApprovalOutcome, Approval } from './registry.js';

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
  /** The protocol family of the stream: it rewrites a held tail without the denied calls. */
  family: Required<Pick<ProtocolFamily, 'rewriteDenied'>>;
  /** `input`: "text" when the call's input is raw text (a custom tool), not JSON arguments. */
  evaluate(tool: string, args: string, input: 'json' | 'text'): ToolDecision;
  requestApproval(call: { tool: string; arguments: string; decision: ToolDecision }): { approval: Approval; outcome: Promise<ApprovalOutcome> };
  cancel(approvalId: string, reason: string): void;
  keepAliveMs?: number;
}

export class HoldingSseTransform extends Transform {
  private readonly parser = new SseParser();
  private held: string[] | null = null;
  readonly calls = new Map<number, CallTrail & { args: string; complete: boolean }>();
  private ended = false;
  private finalCb: TransformCallback | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private finalized = false;
  /** The tail the client got instead of the held bytes (denied or timed-out calls), or null. */
  rewritten: string | null = null;

  constructor(
    readonly adapter: StreamAdapter,
    private readonly opts: HoldOptions,
    /** A second, masking adapter that only builds the audit view (client masking off). */
    private readonly record: StreamAdapter | null = null,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      for (const ev of this.parser.push(chunk)) this.handle(this.adapter.step(ev), this.record?.step(ev) ?? null);
    } catch (e) {
      return cb(e as Error);
    }
    cb();
  }

  override _flush(cb: TransformCallback) {
    try {
      for (const ev of this.parser.end()) this.handle(this.adapter.step(ev), this.record?.step(ev) ?? null);
      this.handle(this.adapter.end(), this.record?.end() ?? null);
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

  /**
   * One input event's output. Calls are tracked on the masked view (`record` when the
   * client gets unmasked bytes), so policy and approvals never see a secret; the client's
   * pieces say where the first call starts.
   */
  private handle(pieces: AdapterPiece[], record: AdapterPiece[] | null) {
    let starts = false;
    const events: SemanticEvent[] = [];
    for (const p of record ?? pieces) events.push(...p.events);
    for (const e of events) {
      if (e.kind === 'tool-call-start' && !this.calls.has(e.index)) {
        this.calls.set(e.index, { index: e.index, tool: e.name, arguments: '', input: e.input ?? 'json', args: '', complete: false, verdict: 'pending', ruleIds: [], reasons: [], approval: null });
        starts = true;
      } else if (e.kind === 'tool-call-delta') {
        const c = this.calls.get(e.index);
        if (c) c.args += e.text;
      }
    }
    let out = '';
    for (const p of pieces) {
      // Hold from the piece that starts the first call; what comes before it goes out now.
      if (starts && this.held === null && p.events.some((e) => e.kind === 'tool-call-start')) {
        if (out) this.push(out);
        out = '';
        this.held = [];
        this.startKeepAlive();
      }
      out += p.raw;
    }
    if (starts && this.held === null) {
      // No piece of the client's output names the call (it started in the masked view only): hold all of it.
      this.held = [];
      this.startKeepAlive();
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
      const parser = new SseParser();
      const held = (this.held ?? []).join('');
      const tail = this.opts.family.rewriteDenied([...parser.push(held), ...parser.end()], new Set(rejected.map((c) => c.index)), message);
      this.held = null;
      this.stopKeepAlive();
      this.rewritten = tail;
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
    const why = c.verdict === 'timed-out' ? 'no one approved it in time'
      : c.verdict === 'denied' && c.approval?.approver === 'witness' && c.approval.reason ? c.approval.reason : c.verdict === 'cancelled' ? 'the request was cancelled' : c.approval?.reason ? `denied: ${c.approval.reason}` : 'denied by policy';
    return `- ${c.tool}: ${why}${c.ruleIds.length ? ` (rule ${c.ruleIds.join(', ')})` : ''}`;
  });
  return `Witness blocked ${rejected.length === 1 ? 'a tool call' : `${rejected.length} tool calls`} before it reached your editor:\n${lines.join('\n')}`;
}
