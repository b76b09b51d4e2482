/**
 * Policy evaluation of one tool call: the strictest decision of every rule it triggers
 * (deny > ask > allow), with the ids of those rules and human reasons. Pure.
 */
import type { Decision, Policy, ReviewRule } from './schema.js';
import { extractOperation, type Operation } from '../model/index.js';
import { normalizePath, pathMatcher, type PathMatcher } from './paths.js';

export interface ToolDecision {
  decision: Decision;
  ruleIds: string[];
  reasons: string[];
  operation: Operation;
  /** A held call that policy `reviews` sends to a second reviewer on the central server (the first of its rules that has one). */
  review?: (ReviewRule & { ruleId: string }) | null;
}

export interface CompiledPolicy {
  policy: Policy;
  protectedPaths: PathMatcher;
  commands: Array<{ id: string; re: RegExp; description: string; decision: Decision }>;
  urlAllow: PathMatcher;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  return {
    policy,
    protectedPaths: pathMatcher(policy.protectedPaths),
    commands: policy.protectedCommands.map((c) => ({ id: c.id, re: new RegExp(c.pattern, 'i'), description: c.description, decision: c.decision })),
    urlAllow: pathMatcher(policy.urls.allow, { caseInsensitive: true }),
  };
}

const RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

/**
 * `ctx.input`: "text" when the call's input is raw text (a custom tool such as an
 * apply_patch grammar tool), judged as that text; JSON arguments otherwise.
 */
export function evaluateToolCall(cp: CompiledPolicy, tool: string, argumentsJson: string, ctx: { workspaceRoots?: readonly string[]; input?: 'json' | 'text' } = {}): ToolDecision {
  const op = extractOperation(tool, argumentsJson, ctx.input ?? 'json');
  const p = cp.policy;
  const out: ToolDecision = { decision: 'allow', ruleIds: [], reasons: [], operation: op, review: null };
  const hit = (d: Decision, id: string, reason: string) => {
    if (RANK[d] > RANK[out.decision]) out.decision = d;
    if (d !== 'allow') {
      out.ruleIds.push(id);
      out.reasons.push(reason);
    }
  };

  const explicit = p.tools[tool];
  if (explicit) hit(explicit, `tool:${tool}`, `policy sets ${tool} to ${explicit}`);
  else if (op.class === 'read') hit(p.readOnlyTools, 'class:read-only', 'read-only tool');
  else if (op.class === 'mcp') hit(p.mcpTools, 'class:mcp', `MCP tool ${tool}`);
  else if (op.class === 'unknown') hit(p.unknownTools, 'class:unknown', `unknown tool ${tool}`);
  if (op.unparsable && op.class !== 'read') hit('ask', 'arguments:unparsable', 'the arguments are not valid JSON');

  for (const { path, action } of op.paths) {
    if (action === 'read') continue;
    const norm = normalizePath(path, ctx.workspaceRoots);
    const glob = cp.protectedPaths.match(norm);
    if (glob) hit(p.protectedPathEdits, `protected-path:${glob}`, `${action} of ${norm} (protected by ${glob})`);
  }
  for (const command of op.commands) {
    for (const c of cp.commands) {
      if (c.re.test(command)) hit(c.decision, `protected-command:${c.id}`, `command ${c.description ? `(${c.description}) ` : ''}matches ${c.id}`);
    }
  }
  for (const url of op.urls) {
    if (!cp.urlAllow.match(url.replace(/^https?:\/\//i, ''))) hit(p.urls.otherwise, 'url:not-allowed', `opens ${url}`);
  }
  // Only a hold is reviewed: a denial stands, and a rule that allows makes no hold.
  if (out.decision === 'ask') {
    const ruleId = out.ruleIds.find((id) => p.reviews[id]);
    if (ruleId) out.review = { ruleId, ...p.reviews[ruleId]! };
  }
  return out;
}
