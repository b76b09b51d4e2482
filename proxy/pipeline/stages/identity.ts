/**
 * Identity: who made the exchange (`flow.who`, on its record; signed out said explicitly),
 * and the refusal policy `identity.requireSignIn` gives while nobody is signed in. First in
 * the list, so a request refused for want of a sign-in is read by no other stage and nothing
 * goes upstream. The rules are identity/gate.ts's; this stage only hands them the Flow.
 */
import { SIGN_IN_RULE_ID, type IdentityGate } from '../../identity/index.js';
import type { Stage } from '../flow.js';
import { peekStream } from './request-policy.js';

export function identityStage(gate: IdentityGate): Stage {
  return {
    name: 'identity',
    request(flow, body) {
      const { req } = flow;
      const verdict = gate.judge({ method: req.method, host: req.host, path: req.path, hasBody: body === null || body.length > 0 });
      flow.who = verdict.identity;
      if (!verdict.refusal) return;
      flow.ruleIds.push(SIGN_IN_RULE_ID);
      flow.view.stream = peekStream(body, req.headers['content-encoding']);
      return { refuse: verdict.refusal };
    },
  };
}
