/** Synthetic Interactions for audit-store tests (already masked, as the pipeline's record stage makes them). */
import type { Interaction } from '../../proxy/model/index.js';

let n = 0;
export function interaction(over: Partial<Interaction> = {}): Interaction {
  n++;
  const start = Date.parse('2026-11-20T10:00:00Z') + n * 1000;
  // Object.assign rather than a spread: V8 promotes spread copies to the old generation
  // early, and the audit bench builds its interactions here (the inspector builds a literal).
  const base: Interaction = {
    id: `req-${n}`,
    time: new Date(start).toISOString(),
    endpoint: 'chat',
    method: 'POST',
    host: 'api.business.githubcopilot.com',
    path: '/chat/completions',
    plan: 'business',
    model: 'gpt-4.1',
    client: { editor: 'VS Code', editorVersion: 'vscode/1.108.0', plugin: 'copilot-chat/0.36.0', integrationId: 'vscode-chat', intent: 'conversation-panel', initiator: 'user', interactionId: 'i-1', requestId: `r-${n}`, userAgent: 'GitHubCopilotChat/0.36.0' },
    prompt: `question number ${n}`,
    context: [],
    messages: [
      { role: 'system', text: 'You are an AI programming assistant.' },
      { role: 'user', text: `question number ${n}` },
    ],
    contextFiles: [],
    toolsOffered: [],
    response: `answer number ${n}`,
    toolCalls: [],
    finishReason: 'stop',
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, cachedTokens: null },
    maskings: [],
    notInspected: [],
    decision: 'allowed',
    ruleIds: [],
    approvals: [],
    status: 'ok',
    httpStatus: 200,
    errors: [],
    timings: { start, firstByte: start + 100, firstToken: start + 120, end: start + 900 },
  };
  return Object.assign(base, over);
}
