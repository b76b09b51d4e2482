/**
 * The intercept layer's hooks as the engine installs them: the pipeline's, each run with
 * the policy its exchange is judged by, plus what happens around every exchange whatever
 * the stages do (the store-failure gate, exchange events, the store's in-flight marker).
 */
import { storeFailureRefusal, type AuditStore } from '../audit/index.js';
import type { EventBus } from '../control-server/index.js';
import type { InterceptHooks } from '../intercept/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { PolicyInForce } from '../policy/index.js';
import type { PolicyJudge } from './policy.js';

export interface HookParts {
  pipeline: Pipeline;
  judge: PolicyJudge;
  bus: EventBus;
  store: AuditStore;
  /** The policy in force now (not the exchange's: a new request is judged by the current one). */
  policy(): PolicyInForce;
  /** Copilot traffic was intercepted (status and doctor show when it last was). */
  intercepted(): void;
}

export function engineHooks(p: HookParts): InterceptHooks {
  const { pipeline, judge, bus, store } = p;
  const inspect = pipeline.hooks();
  return {
    inspectRequest: (req, body) => {
      // audit.onStoreFailure "block": no Copilot request while its record cannot be kept.
      if (!store.canRecord() && p.policy().effective.policy.audit.onStoreFailure === 'block') return storeFailureRefusal(req, body);
      judge.admit(req.id);
      return judge.judgedBy(req.id, () => inspect.inspectRequest(req, body));
    },
    responseTransform: (req, head) => judge.judgedBy(req.id, () => inspect.responseTransform(req, head)),
    onExchangeStart: (req) => {
      p.intercepted();
      // Paths are published masked (a token may ride in the query); the upstream gets them as sent.
      const path = pipeline.maskedPath(req).text;
      bus.publish('exchange.started', { id: req.id, method: req.method, host: req.host, path, start: req.startedAt });
      // The store's in-flight marker (sealed, queued for the next group write, never awaited)
      // after this turn: the request goes upstream first. Its record is appended on a later
      // turn (recordAppender, Pipeline.later), so the marker still precedes it in the journal.
      setImmediate(() => store.exchangeStarted({ id: req.id, time: new Date(req.startedAt).toISOString(), method: req.method, host: req.host, path }));
    },
    onExchangeEnd: (s) => {
      bus.publish('exchange.completed', {
        id: s.request.id,
        method: s.request.method,
        host: s.request.host,
        path: pipeline.maskedPath(s.request).text,
        status: s.status,
        outcome: s.outcome,
        timings: s.timings,
        bytes: { fromUpstream: s.bytesFromUpstream, toClient: s.bytesToClient },
        notInspected: s.notInspected,
        error: s.error,
      });
      // The record is assembled and appended a moment later (pipeline/after-work.ts), with this exchange's policy.
      pipeline.end(s, judge.release(s.request.id));
    },
    onWebSocketPassthrough: (s) => {
      p.intercepted();
      pipeline.recordWebSocketPassthrough(s);
    },
  };
}
