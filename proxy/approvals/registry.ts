/**
 * Pending approvals for held operations. Each is bound to a SHA-256 of the exact,
 * canonical tool arguments: a decision must quote that hash, so a decision about one
 * command can never release a different one. Defaults to the policy's timeout decision
 * (deny) when nobody answers; a closed client connection cancels its approval.
 */
import { randomUUID } from 'node:crypto';
import { WitnessError } from '../errors.js';
import { canonicalJson, type Operation } from '../model/index.js';
import { sha256Hex } from '../model/node.js';

export type ApprovalOutcome = 'approved' | 'denied' | 'timed-out' | 'cancelled';

export interface ApprovalRequest {
  exchangeId: string;
  host: string;
  client: string | null;
  requester: string;
  tool: string;
  arguments: string;
  operation: Operation;
  ruleIds: string[];
  reasons: string[];
  /**
   * Masked values in the arguments that the editor receives restored. The hash binds the
   * masked arguments the reviewer saw; the released bytes are those arguments with only
   * this engine's own placeholders replaced (docs/masking.md, "The placeholder round trip").
   */
  restoredForEditor?: number;
}

export interface Approval extends ApprovalRequest {
  id: string;
  argsHash: string;
  requestedAt: string;
  expiresAt: string;
  /** What happens at expiresAt if nobody decides. */
  defaultDecision: 'approve' | 'deny';
  status: 'pending' | ApprovalOutcome;
  decidedAt: string | null;
  approver: string | null;
  reason: string | null;
}

export interface ApprovalRegistryOptions {
  timeoutMs: number;
  onTimeout: 'deny' | 'allow';
  onRequested?(a: Approval): void;
  onDecided?(a: Approval): void;
  now?: () => number;
}

export function argsHash(tool: string, args: string): string {
  let canonical = args;
  try {
    canonical = canonicalJson(JSON.parse(args));
  } catch {
    // not JSON: the raw text is what is bound
  }
  return sha256Hex(`${tool}\n${canonical}`);
}

export class ApprovalRegistry {
  private readonly pending = new Map<string, { approval: Approval; resolve: (o: ApprovalOutcome) => void; timer: NodeJS.Timeout }>();
  private readonly recent: Approval[] = [];

  constructor(private readonly opts: ApprovalRegistryOptions) {}

  /** Registers a held operation; the promise settles with the outcome. */
  request(req: ApprovalRequest): { approval: Approval; outcome: Promise<ApprovalOutcome> } {
    const now = this.now();
    const approval: Approval = {
      ...req,
      id: randomUUID(),
      argsHash: argsHash(req.tool, req.arguments),
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.opts.timeoutMs).toISOString(),
      defaultDecision: this.opts.onTimeout === 'allow' ? 'approve' : 'deny',
      status: 'pending',
      decidedAt: null,
      approver: null,
      reason: null,
    };
    let resolve!: (o: ApprovalOutcome) => void;
    const outcome = new Promise<ApprovalOutcome>((r) => (resolve = r));
    const timer = setTimeout(() => {
      this.settle(approval.id, this.opts.onTimeout === 'allow' ? 'approved' : 'timed-out', 'witness', `no decision within ${Math.round(this.opts.timeoutMs / 1000)} s`);
    }, this.opts.timeoutMs);
    timer.unref();
    this.pending.set(approval.id, { approval, resolve, timer });
    this.opts.onRequested?.(approval);
    return { approval, outcome };
  }

  list(): Approval[] {
    return [...this.pending.values()].map((p) => p.approval);
  }

  get(id: string): Approval | null {
    return this.pending.get(id)?.approval ?? this.recent.find((a) => a.id === id) ?? null;
  }

  /** A person's decision; rejected when the hash does not match the held arguments. */
  decide(id: string, d: { decision: 'approve' | 'deny'; argsHash: string; approver: string; reason?: string | null }): Approval {
    const p = this.pending.get(id);
    if (!p) {
      const done = this.recent.find((a) => a.id === id);
      throw new WitnessError('USAGE', done ? `Approval ${id} was already ${done.status}.` : `No pending approval ${id}.`);
    }
    if (d.argsHash !== p.approval.argsHash) {
      throw new WitnessError('STALE_APPROVAL', `The arguments of approval ${id} are not the ones you decided on (hash mismatch). Review it again.`);
    }
    return this.settle(id, d.decision === 'approve' ? 'approved' : 'denied', d.approver, d.reason ?? null)!;
  }

  /** The client went away: nothing will run, record why. */
  cancel(id: string, reason: string) {
    this.settle(id, 'cancelled', 'witness', reason);
  }

  /**
   * Witness is stopping: every pending approval gets the policy default now (as if it had
   * timed out, but said plainly), so each held stream is answered and ends properly.
   */
  settleAll(reason: string): number {
    const ids = [...this.pending.keys()];
    for (const id of ids) this.settle(id, this.opts.onTimeout === 'allow' ? 'approved' : 'denied', 'witness', reason);
    return ids.length;
  }

  private settle(id: string, outcome: ApprovalOutcome, approver: string, reason: string | null): Approval | null {
    const p = this.pending.get(id);
    if (!p) return null;
    clearTimeout(p.timer);
    this.pending.delete(id);
    Object.assign(p.approval, { status: outcome, decidedAt: new Date(this.now()).toISOString(), approver, reason });
    this.recent.push(p.approval);
    if (this.recent.length > 500) this.recent.shift();
    this.opts.onDecided?.(p.approval);
    p.resolve(outcome);
    return p.approval;
  }

  private now() {
    return (this.opts.now ?? Date.now)();
  }
}
