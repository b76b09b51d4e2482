/**
 * The approval registry as the engine runs it: timeouts, defaults and who may approve read
 * from the policy in force when each call is held; requests and decisions published.
 */
import { ApprovalRegistry } from '../approvals/index.js';
import type { EventBus } from '../control-server/index.js';
import type { RecordIdentity } from '../model/index.js';
import type { Policy } from '../policy/index.js';

export function approvalRegistry(w: { policy(): Policy; identity(): RecordIdentity; bus: EventBus }): ApprovalRegistry {
  const inForce = w.policy;
  return new ApprovalRegistry({
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
    onRequested: (a) => w.bus.publish('approval.requested', a),
    onDecided: (a) => w.bus.publish('approval.decided', a),
  });
}
