/**
 * Tool-call hold: in the event stream of a family whose tool calls policy judges, the
 * client's adapter runs inside a HoldingSseTransform: text flows live, a call is held from
 * the event that starts it until policy (or a person) decides, a denial is rewritten by
 * the family. At the end: a client that left cancels its pending approvals now, so the
 * record says "cancelled".
 */
import { HoldingSseTransform, type ApprovalRegistry } from '../../approvals/index.js';
import type { PlaceholderLedger } from '../../masking/index.js';
import { evaluateToolCall, type CompiledPolicy } from '../../policy/index.js';
import { clientInfo } from '../../protocols/index.js';
import type { Stage } from '../flow.js';

export interface HoldOptions {
  policy: () => CompiledPolicy;
  registry: ApprovalRegistry;
  /** Who the approval is asked for (the OS user). */
  requester: string;
  keepAliveMs?: number;
  /** The placeholder round trip, to tell the reviewer how many masked values the editor will get restored. */
  restore?: { ledger: PlaceholderLedger; enabled: () => boolean; responsesMasked: () => boolean };
}

export function toolCallHold(opts: HoldOptions): Stage {
  return {
    name: 'tool-call-hold',
    responseHead(flow) {
      const { stream } = flow.response;
      const rewriteDenied = flow.family.rewriteDenied?.bind(flow.family);
      if (!stream || !rewriteDenied) return;
      const policy = opts.policy();
      const restore = opts.restore?.enabled() && opts.restore.responsesMasked() ? opts.restore.ledger : null;
      const holder = new HoldingSseTransform(
        stream.client,
        {
          family: { rewriteDenied },
          // Policy always judges the masked view of a call (and approvals never show a secret).
          evaluate: (tool, args, input) => evaluateToolCall(policy, tool, args, { input }),
          requestApproval: ({ tool, arguments: args, decision }) =>
            opts.registry.request({
              exchangeId: flow.req.id,
              host: flow.req.host,
              client: clientInfo(flow.req.headers).editor,
              requester: opts.requester,
              tool,
              arguments: args,
              operation: decision.operation,
              ruleIds: decision.ruleIds,
              reasons: decision.reasons,
              review: decision.review ?? null,
              ...(restore ? restoredCount(restore, args) : {}),
            }),
          cancel: (id, reason) => opts.registry.cancel(id, reason),
          ...(opts.keepAliveMs ? { keepAliveMs: opts.keepAliveMs } : {}),
        },
        stream.record,
      );
      flow.response.holder = holder;
      flow.response.transform = holder;
    },
    end(flow, s) {
      // The client left: cancel its holds now (the proxy tears the transform down later).
      const { holder } = flow.response;
      if (s.outcome === 'client-abort' && holder && !holder.destroyed) holder.destroy();
    },
  };
}

function restoredCount(ledger: PlaceholderLedger, args: string): { restoredForEditor?: number } {
  const n = ledger.count(args).restorable;
  return n > 0 ? { restoredForEditor: n } : {};
}
