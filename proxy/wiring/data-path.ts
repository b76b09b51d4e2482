/**
 * The data path, in order (docs/architecture.md, "The data path"): the one place the
 * stages are listed. Identity goes first (it fills flow.who, and a request refused for want
 * of a sign-in is read by no other stage); sync after the audit sink (it sends only what
 * the store holds). Every policy read goes through `policyNow`: the exchange's own policy.
 */
import type { ApprovalRegistry } from '../approvals/index.js';
import type { AuditStore } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { EventBus } from '../control-server/index.js';
import { osUser, type IdentityGate } from '../identity/index.js';
import type { Masker, PlaceholderLedger } from '../masking/index.js';
import { AFTER_WORK_LIMITS, auditSink, identityStage, liveEvents, Pipeline, planRouting, recordAssembly, requestMasking, requestPolicy, responseMasking, syncStage, toolCallHold } from '../pipeline/index.js';
import type { PolicyInForce } from '../policy/index.js';
import type { Logger } from '../log.js';
import { liveMasking } from './policy.js';
import { recordAppender } from './recorder.js';

export interface DataPathParts {
  config: Config;
  log: Logger;
  bus: EventBus;
  masker: Masker;
  /** Placeholder → secret for the round trip: in memory only. */
  placeholders: PlaceholderLedger;
  gate: IdentityGate;
  approvals: ApprovalRegistry;
  store: AuditStore;
  /** Present when sync.server is set. */
  sync: { kick(): void } | null;
  policyNow(): PolicyInForce;
}

export function dataPath(p: DataPathParts): Pipeline {
  const { config, masker, policyNow } = p;
  const policy = () => policyNow().compiled;
  const masking = liveMasking(config.masking, () => policyNow().effective);
  const maxInspectedBodyBytes = config.limits.maxInspectedBodyBytes;
  // The placeholder round trip: secrets masked in prompts, in memory only, for the editor's copy of answers.
  const restore = { ledger: p.placeholders, enabled: () => policyNow().effective.policy.masking.restoreInResponses };
  // Appends wait, like the record assembly before them, while an exchange is young.
  const append = recordAppender({ gate: p.gate, store: p.store, bus: p.bus, log: p.log, later: (work) => pipeline.later(work) });
  const pipeline: Pipeline = new Pipeline(masker, [
    identityStage(p.gate),
    planRouting({ policy }),
    requestMasking({ masker, masking, maxInspectedBodyBytes, restore }),
    requestPolicy({ policy, masking }),
    responseMasking({ masker, masking, maxInspectedBodyBytes, restore }),
    toolCallHold({ policy, registry: p.approvals, requester: osUser(), restore: { ...restore, responsesMasked: () => masking.responses === 'mask' } }),
    liveEvents({
      live: {
        started: (e) => p.bus.publish('interaction.started', { ...e, user: p.store.user }),
        delta: (e) => p.bus.publish('interaction.delta', e),
      },
    }),
    recordAssembly({ masker }),
    auditSink({ append: (interaction) => append({ ...interaction, policyVersion: policyNow().version }) }),
    ...(p.sync ? [syncStage(p.sync)] : []),
  ], { afterWork: AFTER_WORK_LIMITS, defer: () => p.store.canRecord() });
  return pipeline;
}
