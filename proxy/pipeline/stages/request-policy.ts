/**
 * Request policy: what may leave this machine at all. Two steps around request masking:
 * plan routing runs first (a refused plan's body is never read), the rest judges the
 * masked view (uninspectable bodies, inline completions in protected files, secret types
 * policy blocks, `masking.requests: "block"`). Refusals only; never rewrites a body.
 */
import type { Config } from '../../config/index.js';
import { decodeBody } from '../../content-decoding.js';
import { planForHost } from '../../intercept/index.js';
import { normalizePath, type CompiledPolicy } from '../../policy/index.js';
import type { Stage } from '../flow.js';

/** Plan routing: e.g. personal Copilot plans refused on company machines. */
export function planRouting(opts: { policy: () => CompiledPolicy }): Stage {
  return {
    name: 'plan-routing',
    request(flow, body) {
      const policy = opts.policy();
      const plan = planForHost(flow.req.host);
      if (policy.policy.plans.allowed.includes(plan)) return;
      flow.ruleIds.push(`plan:${plan}`);
      flow.view.stream = peekStream(body, flow.req.headers['content-encoding']);
      return { refuse: policy.policy.plans.message };
    },
  };
}

export function requestPolicy(opts: { policy: () => CompiledPolicy; masking: Config['masking'] }): Stage {
  return {
    name: 'request-policy',
    request(flow, body) {
      const { uninspectable, findings } = flow.request;
      if (uninspectable && opts.masking.uninspectable === 'block') {
        // The body was not read: answer as a stream unless it plainly asked for none (Copilot streams).
        flow.view.stream = peekStream(body, flow.req.headers['content-encoding']);
        return { refuse: `Witness blocked this request because it could not be inspected (${uninspectable}). Nothing was sent.` };
      }
      const policy = opts.policy();
      // Inline completions inside protected files (the file is named in the prompt header).
      if (flow.kind === 'completion') {
        const hit = flow.view.contextFiles.map((f) => policy.protectedPaths.match(normalizePath(f))).find((g) => g !== null);
        const mode = policy.policy.inlineCompletionsInProtectedPaths;
        if (hit && mode !== 'allow') {
          flow.ruleIds.push(`inline-completion:${hit}`);
          if (mode === 'deny') return { refuse: 'Witness: no completions in protected files.' };
        }
      }
      const blockTypes = policy.policy.masking.blockTypes;
      const blocked = [...new Set(findings.filter((t) => blockTypes.includes(t)))];
      if (blocked.length) {
        flow.ruleIds.push(...blocked.map((t) => `block-secret:${t}`));
        return { refuse: `Witness blocked this request: it contains ${blocked.join(', ')}, which policy does not allow to leave this machine. Remove it and try again.` };
      }
      if (findings.length && opts.masking.requests === 'block') {
        return { refuse: `Witness blocked this request: it contains secrets (${[...new Set(findings)].join(', ')}). Remove them from the prompt or the attached files and try again.` };
      }
    },
  };
}

/** Whether the client asked for a stream (Copilot always does; default true). */
export function peekStream(body: Buffer | null, encoding: string | string[] | number | undefined): boolean {
  if (!body || body.length === 0) return true;
  const d = decodeBody(body, typeof encoding === 'number' ? undefined : encoding);
  if (!d.ok) return true;
  try {
    return (JSON.parse(d.body.toString('utf8')) as { stream?: unknown }).stream !== false;
  } catch {
    return true;
  }
}
