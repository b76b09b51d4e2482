/**
 * The approval registry as the engine runs it: timeouts, defaults and who may approve read
 * from the policy in force when each call is held; requests and decisions published. A hold
 * policy `reviews` sends to a second reviewer goes to the central server (sync/reviews.ts);
 * without one, the review's policy default applies at once.
 */
import { ApprovalRegistry } from '../approvals/index.js';
import type { EventBus } from '../control-server/index.js';
import type { RecordIdentity } from '../model/index.js';
import type { Policy } from '../policy/index.js';
import type { ReviewForwarder } from '../sync/index.js';

export function approvalRegistry(w: { policy(): Policy; identity(): RecordIdentity; bus: EventBus; reviews(): ReviewForwarder | null }): ApprovalRegistry {
  const inForce = w.policy;
  const registry: ApprovalRegistry = new ApprovalRegistry({
    // Read for each held call: the timeout in force when the call is held.
    get timeoutMs() {
      return inForce().approvals.timeoutSeconds * 1000;
    },
    get onTimeout() {
      return inForce().approvals.onTimeout;
    },
    // Who may approve, and who asked: policy approvals.approverGroups / selfApproval, verified identities.
    approverRule: () => inForce().approvals,
    identity: w.identity,
    onRequested: (a) => {
      w.bus.publish('approval.requested', a);
      if (!a.review) return;
      const reviews = w.reviews();
      if (reviews) reviews.forward(a, { pending: (id) => registry.get(id)?.status === 'pending', reviewNote: (id, n) => registry.reviewNote(id, n), reviewDecided: (id, d) => registry.reviewDecided(id, d), reviewUnavailable: (id, p, o) => registry.reviewUnavailable(id, p, o) });
      else queueMicrotask(() => registry.reviewUnavailable(a.id, 'no central server is configured (sync.server)'));
    },
    onDecided: (a) => {
      w.bus.publish('approval.decided', a);
      if (a.review) w.reviews()?.withdraw(a);
    },
  });
  return registry;
}
