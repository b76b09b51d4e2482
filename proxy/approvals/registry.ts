/**
 * Pending approvals for held operations. Each is bound to a SHA-256 of the exact,
 * canonical tool arguments: a decision must quote that hash, so a decision about one
 * command can never release a different one. Defaults to the policy's timeout decision
 * (deny) when nobody answers; a closed client connection cancels its approval.
 *
 * Who may approve (policy approvals.approverGroups / selfApproval) is checked here, on the
 * verified identities: the requester's as it was when the call was held, the approver's as
 * the engine knows it when the decision arrives. A denial is never refused: it can only
 * make things safer.
 */
import { randomUUID } from 'node:crypto';
import { WitnessError } from '../errors.js';
import { canonicalJson, type ApprovalReview, type Operation, type RecordIdentity, type ReviewDecisionPayload } from '../model/index.js';
import type { ReviewRule } from '../policy/index.js';
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
  /** Policy `reviews`: a reviewer of this group on the central server decides (its timeout and default apply). */
  review?: (ReviewRule & { ruleId: string }) | null;
}

export interface Approval extends Omit<ApprovalRequest, 'review'> {
  id: string;
  argsHash: string;
  requestedAt: string;
  expiresAt: string;
  /** What happens at expiresAt if nobody decides. */
  defaultDecision: 'approve' | 'deny';
  status: 'pending' | ApprovalOutcome;
  decidedAt: string | null;
  approver: string | null;
  /** Who was signed in when the call was held (null: identity not wired). */
  requesterIdentity: RecordIdentity | null;
  /** Who decided, verified; null for timeouts and cancellations. */
  approverIdentity: RecordIdentity | null;
  reason: string | null;
  /** The second review on the central server, when policy asks for one. */
  review: ApprovalReview | null;
}

/** Who may approve: the policy's approvals.approverGroups and approvals.selfApproval. */
export interface ApproverRule {
  approverGroups: readonly string[];
  selfApproval: 'allow' | 'deny';
}

export interface ApprovalRegistryOptions {
  timeoutMs: number;
  onTimeout: 'deny' | 'allow';
  onRequested?(a: Approval): void;
  onDecided?(a: Approval): void;
  now?: () => number;
  /** Who is signed in now: stamped on each approval as it is requested. */
  identity?: () => RecordIdentity;
  /** Read when a call is held; applies to that approval. Default: anyone may approve. */
  approverRule?: () => ApproverRule;
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
  private readonly pending = new Map<string, { approval: Approval; rule: ApproverRule; onTimeout: 'deny' | 'allow'; resolve: (o: ApprovalOutcome) => void; timer: NodeJS.Timeout }>();
  private readonly recent: Approval[] = [];

  constructor(private readonly opts: ApprovalRegistryOptions) {}

  /** Registers a held operation; the promise settles with the outcome. */
  request(req: ApprovalRequest): { approval: Approval; outcome: Promise<ApprovalOutcome> } {
    const now = this.now();
    const { review, ...rest } = req;
    // A reviewed hold waits as long as its review rule says, and falls to its default.
    const timeoutMs = review ? review.timeoutSeconds * 1000 : this.opts.timeoutMs;
    const onTimeout = review ? review.onTimeout : this.opts.onTimeout;
    const approval: Approval = {
      ...rest,
      id: randomUUID(),
      argsHash: argsHash(req.tool, req.arguments),
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + timeoutMs).toISOString(),
      defaultDecision: onTimeout === 'allow' ? 'approve' : 'deny',
      status: 'pending',
      decidedAt: null,
      approver: null,
      requesterIdentity: this.opts.identity?.() ?? null,
      approverIdentity: null,
      reason: null,
      review: review ? { ruleId: review.ruleId, group: review.group, id: null, serverSigned: false, problem: null } : null,
    };
    const rule = this.opts.approverRule?.() ?? { approverGroups: [], selfApproval: 'allow' };
    let resolve!: (o: ApprovalOutcome) => void;
    const outcome = new Promise<ApprovalOutcome>((r) => (resolve = r));
    const timer = setTimeout(() => {
      this.settle(approval.id, onTimeout === 'allow' ? 'approved' : 'timed-out', 'witness', `no decision within ${Math.round(timeoutMs / 1000)} s`);
    }, timeoutMs);
    timer.unref();
    this.pending.set(approval.id, { approval, rule: { approverGroups: [...rule.approverGroups], selfApproval: rule.selfApproval }, onTimeout, resolve, timer });
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
  decide(id: string, d: { decision: 'approve' | 'deny'; argsHash: string; approver: string; approverIdentity?: RecordIdentity | null; reason?: string | null }): Approval {
    const p = this.pending.get(id);
    if (!p) {
      const done = this.recent.find((a) => a.id === id);
      throw new WitnessError('USAGE', done ? `Approval ${id} was already ${done.status}.` : `No pending approval ${id}.`);
    }
    if (d.argsHash !== p.approval.argsHash) {
      throw new WitnessError('STALE_APPROVAL', `The arguments of approval ${id} are not the ones you decided on (hash mismatch). Review it again.`);
    }
    if (d.decision === 'approve' && p.approval.review) {
      throw new WitnessError('APPROVER_NOT_ALLOWED', `This call needs a second reviewer from ${p.approval.review.group} (policy reviews."${p.approval.review.ruleId}"): only their decision, signed by the central server, can approve it. You may deny it.`);
    }
    if (d.decision === 'approve') checkApprover(p.rule, p.approval.requesterIdentity, d.approverIdentity ?? null);
    return this.settle(id, d.decision === 'approve' ? 'approved' : 'denied', d.approver, d.reason ?? null, d.approverIdentity ?? null)!;
  }

  /**
   * A reviewer's decision from the central server, its signature already verified against the
   * pinned key: it must name this hold and its exact argument hash, or it decides nothing.
   */
  reviewDecided(id: string, d: ReviewDecisionPayload): Approval {
    const p = this.pending.get(id);
    if (!p?.approval.review) throw new WitnessError('USAGE', `No pending reviewed approval ${id}.`);
    if (d.hold !== id || d.argsHash !== p.approval.argsHash) {
      throw new WitnessError('STALE_APPROVAL', `The server's decision is for ${d.hold !== id ? `hold ${d.hold}` : 'other arguments (hash mismatch)'}, not for approval ${id}: refused.`);
    }
    p.approval.review = { ...p.approval.review, id: d.review, serverSigned: true, problem: null };
    const who = d.reviewer.email ?? d.reviewer.name ?? d.reviewer.sub ?? 'a reviewer';
    return this.settle(id, d.decision === 'approve' ? 'approved' : 'denied', who, d.reason, d.reviewer)!;
  }

  /** Where the review stands (forwarded, or a problem reaching the server); the hold keeps waiting. */
  reviewNote(id: string, note: { id?: string; problem?: string | null }): void {
    const a = this.pending.get(id)?.approval;
    if (a?.review) a.review = { ...a.review, ...(note.id ? { id: note.id } : {}), ...(note.problem !== undefined ? { problem: note.problem } : {}) };
  }

  /**
   * The review cannot be had (server down, device not enrolled, signed out) or its answer was
   * refused: the policy default now, with the reason recorded. `deny` forces a denial (a
   * decision that did not verify never lets a call through, whatever the default).
   */
  reviewUnavailable(id: string, problem: string, opts: { deny?: boolean } = {}): Approval | null {
    const p = this.pending.get(id);
    if (!p?.approval.review) return null;
    p.approval.review = { ...p.approval.review, problem };
    const allow = p.onTimeout === 'allow' && !opts.deny;
    return this.settle(id, allow ? 'approved' : 'denied', 'witness', `second review unavailable: ${problem}; ${allow ? 'allowed' : 'denied'} by policy default`);
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
    for (const id of ids) this.settle(id, this.pending.get(id)!.onTimeout === 'allow' ? 'approved' : 'denied', 'witness', reason);
    return ids.length;
  }

  private settle(id: string, outcome: ApprovalOutcome, approver: string, reason: string | null, approverIdentity: RecordIdentity | null = null): Approval | null {
    const p = this.pending.get(id);
    if (!p) return null;
    clearTimeout(p.timer);
    this.pending.delete(id);
    Object.assign(p.approval, { status: outcome, decidedAt: new Date(this.now()).toISOString(), approver, approverIdentity, reason });
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

/** Refuses an approval the policy does not let this approver give (APPROVER_NOT_ALLOWED). */
function checkApprover(rule: ApproverRule, requester: RecordIdentity | null, approver: RecordIdentity | null) {
  const who = approver?.signedIn ? (approver.email ?? approver.name ?? approver.sub) : null;
  if (rule.approverGroups.length) {
    const groups = rule.approverGroups.join(', ');
    if (!approver?.signedIn) {
      throw new WitnessError('APPROVER_NOT_ALLOWED', `Only members of ${groups} may approve held calls (policy approvals.approverGroups), and nobody is signed in: sign in as an approver (\`witness login\`) or deny.`);
    }
    if (!approver.groups.some((g) => rule.approverGroups.includes(g))) {
      throw new WitnessError('APPROVER_NOT_ALLOWED', `${who} is not a member of ${groups}, whose members alone may approve held calls (policy approvals.approverGroups). Ask one of them, or deny.`);
    }
  }
  if (rule.selfApproval === 'deny') {
    // Fail closed: when either side is unknown, nobody can show they are not the requester.
    if (!requester?.signedIn || !approver?.signedIn) {
      throw new WitnessError('APPROVER_NOT_ALLOWED', 'The requester may not approve their own held calls (policy approvals.selfApproval "deny"), and who requested or who approves is not known (signed out): someone else must sign in (`witness login`) to approve, or deny.');
    }
    if (requester.sub === approver.sub && requester.issuer === approver.issuer) {
      throw new WitnessError('APPROVER_NOT_ALLOWED', `${who} requested this call and may not approve it too (policy approvals.selfApproval "deny"): another approver must decide, or deny.`);
    }
  }
}
