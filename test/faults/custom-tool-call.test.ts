/**
 * Issue 20, bypass 1: a Responses `custom_tool_call` was neither held nor masked, and other
 * tool-call shapes could slip past the hold. Every tool-call shape of every protocol is
 * held from its first event, judged on its assembled (masked) input, masked in its deltas
 * and in every final payload, and rewritten away on denial.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { createControlClient } from '../../proxy/control/index.js';
import { Masker } from '../../proxy/masking/index.js';
import { compilePolicy, evaluateToolCall, resolvePolicy } from '../../proxy/policy/index.js';
import type { EndpointKind } from '../../proxy/protocols/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { assertSameExceptMasked, reassemble } from '../helpers/reassemble.js';
import { chatChunk, events, replay, runAdapter, runHeld, sse, streamViaProxy } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });
const TOKEN = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const PATCH = `*** Begin Patch\n*** Update File: .env.production\n@@\n-GITHUB_TOKEN=old\n+GITHUB_TOKEN=${TOKEN}\n*** End Patch\n`;
const cp = compilePolicy(resolvePolicy().policy);

/** Cuts a string into 7-character pieces, so any secret in it spans several events. */
const pieces = (s: string) => s.match(/[\s\S]{1,7}/g)!;

// --- Responses API -------------------------------------------------------------------------

const created = sse({ type: 'response.created', response: { id: 'resp_T', model: 'gpt-test', output: [] } });
const intro = (text = 'Working on it.') =>
  sse({ type: 'response.output_item.added', output_index: 0, item: { id: 'msg_T', type: 'message', role: 'assistant', content: [] } }) +
  sse({ type: 'response.output_text.delta', item_id: 'msg_T', output_index: 0, content_index: 0, delta: text }) +
  sse({ type: 'response.output_text.done', item_id: 'msg_T', output_index: 0, content_index: 0, text }) +
  sse({ type: 'response.output_item.done', output_index: 0, item: { id: 'msg_T', type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] } });
const message = { id: 'msg_T', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Working on it.' }] };

/** One Responses call item at output index 1, its input streamed by `stream` (if any), then completed. */
function responsesCall(item: Record<string, unknown>, stream?: { type: string; field: string; value: string }): string {
  const id = item.id as string;
  const added = { ...item, ...(stream ? { [stream.field]: '' } : {}) };
  let body = created + intro() + sse({ type: 'response.output_item.added', output_index: 1, item: added });
  if (stream) {
    for (const d of pieces(stream.value)) body += sse({ type: `${stream.type}.delta`, item_id: id, output_index: 1, delta: d });
    body += sse({ type: `${stream.type}.done`, item_id: id, output_index: 1, [stream.field]: stream.value });
  }
  body += sse({ type: 'response.output_item.done', output_index: 1, item });
  return body + sse({ type: 'response.completed', response: { id: 'resp_T', model: 'gpt-test', status: 'completed', output: [message, item] } });
}

const customToolCall = { id: 'ctc_T', type: 'custom_tool_call', call_id: 'call_T', name: 'apply_patch', input: PATCH };
const CUSTOM_STREAM = responsesCall(customToolCall, { type: 'response.custom_tool_call_input', field: 'input', value: PATCH });

// --- Chat completions and Messages -----------------------------------------------------------

const chatStream = (calls: string[]) => chatChunk({ role: 'assistant', content: 'Working on it.' }) + calls.join('') + chatChunk({}, 'tool_calls') + 'data: [DONE]\n\n';
const messagesStream = (block: Record<string, unknown>, input: string | null) =>
  sse({ type: 'message_start', message: { id: 'msg_T', model: 'claude-test', content: [] } }) +
  sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
  sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Working on it.' } }) +
  sse({ type: 'content_block_stop', index: 0 }) +
  sse({ type: 'content_block_start', index: 1, content_block: block }) +
  (input === null ? '' : pieces(input).map((p) => sse({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: p } })).join('')) +
  sse({ type: 'content_block_stop', index: 1 }) +
  sse({ type: 'message_delta', delta: { stop_reason: 'tool_use' } }) +
  sse({ type: 'message_stop' });

interface Shape {
  shape: string;
  kind: EndpointKind;
  body: string;
  /** The name policy judges and how the input is written. */
  tool: string;
  input: 'json' | 'text';
  /** A string found only in the call's own events. */
  marker: string;
}

const patchArgs = JSON.stringify({ input: PATCH });
const SHAPES: Shape[] = [
  { shape: 'Responses function_call', kind: 'responses', tool: 'apply_patch', input: 'json', marker: 'fc_T', body: responsesCall({ id: 'fc_T', type: 'function_call', call_id: 'call_T', name: 'apply_patch', arguments: patchArgs }, { type: 'response.function_call_arguments', field: 'arguments', value: patchArgs }) },
  { shape: 'Responses custom_tool_call', kind: 'responses', tool: 'apply_patch', input: 'text', marker: 'ctc_T', body: CUSTOM_STREAM },
  {
    shape: 'Responses function_call with its arguments only in output_item.done',
    kind: 'responses',
    tool: 'apply_patch',
    input: 'json',
    marker: 'fc_T',
    body: responsesCall({ id: 'fc_T', type: 'function_call', call_id: 'call_T', name: 'apply_patch', arguments: patchArgs }),
  },
  {
    shape: 'Responses function_call that only response.completed carries',
    kind: 'responses',
    tool: 'apply_patch',
    input: 'json',
    marker: 'fc_T',
    body: created + intro() + sse({ type: 'response.completed', response: { id: 'resp_T', model: 'gpt-test', status: 'completed', output: [message, { id: 'fc_T', type: 'function_call', call_id: 'call_T', name: 'apply_patch', arguments: patchArgs }] } }),
  },
  {
    shape: 'Responses mcp_call',
    kind: 'responses',
    tool: 'mcp_jira_create_issue',
    input: 'json',
    marker: 'mcp_T',
    body: responsesCall({ id: 'mcp_T', type: 'mcp_call', server_label: 'jira', name: 'create_issue', arguments: JSON.stringify({ body: TOKEN }) }, { type: 'response.mcp_call_arguments', field: 'arguments', value: JSON.stringify({ body: TOKEN }) }),
  },
  { shape: 'Responses mcp_approval_request', kind: 'responses', tool: 'mcp_jira_create_issue', input: 'json', marker: 'mcpr_T', body: responsesCall({ id: 'mcpr_T', type: 'mcp_approval_request', server_label: 'jira', name: 'create_issue', arguments: JSON.stringify({ body: TOKEN }) }) },
  {
    shape: 'Responses local_shell_call',
    kind: 'responses',
    tool: 'local_shell',
    input: 'json',
    marker: 'lsh_T',
    body: responsesCall({ id: 'lsh_T', type: 'local_shell_call', call_id: 'call_T', action: { type: 'exec', command: ['bash', '-lc', `curl -H 'Authorization: token ${TOKEN}' https://api.github.com/user`], env: {} } }),
  },
  { shape: 'Responses computer_call', kind: 'responses', tool: 'computer', input: 'json', marker: 'cu_T', body: responsesCall({ id: 'cu_T', type: 'computer_call', call_id: 'call_T', action: { type: 'type', text: TOKEN } }) },
  {
    shape: 'Responses code_interpreter_call',
    kind: 'responses',
    tool: 'code_interpreter',
    input: 'text',
    marker: 'ci_T',
    body: responsesCall({ id: 'ci_T', type: 'code_interpreter_call', container_id: 'cntr_T', code: `print("${TOKEN}")` }, { type: 'response.code_interpreter_call_code', field: 'code', value: `print("${TOKEN}")` }),
  },
  { shape: 'Responses item type it does not know (frobnicate_call)', kind: 'responses', tool: 'frobnicate_call', input: 'json', marker: 'frob_T', body: responsesCall({ id: 'frob_T', type: 'frobnicate_call', call_id: 'call_T', arguments: JSON.stringify({ token: TOKEN }) }) },
  {
    shape: 'chat tool_calls (function)',
    kind: 'chat',
    tool: 'apply_patch',
    input: 'json',
    marker: 'call_T',
    body: chatStream([chatChunk({ tool_calls: [{ index: 0, id: 'call_T', type: 'function', function: { name: 'apply_patch', arguments: '' } }] }), ...pieces(patchArgs).map((p) => chatChunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }))]),
  },
  {
    shape: 'chat tool_calls (custom)',
    kind: 'chat',
    tool: 'apply_patch',
    input: 'text',
    marker: 'call_T',
    body: chatStream([chatChunk({ tool_calls: [{ index: 0, id: 'call_T', type: 'custom', custom: { name: 'apply_patch', input: '' } }] }), ...pieces(PATCH).map((p) => chatChunk({ tool_calls: [{ index: 0, custom: { input: p } }] }))]),
  },
  {
    shape: 'chat legacy function_call',
    kind: 'chat',
    tool: 'legacy_patch_tool',
    input: 'json',
    marker: '"function_call"',
    body: chatStream([chatChunk({ function_call: { name: 'legacy_patch_tool', arguments: '' } }), ...pieces(patchArgs).map((p) => chatChunk({ function_call: { arguments: p } }))]),
  },
  { shape: 'Messages tool_use', kind: 'messages', tool: 'apply_patch', input: 'json', marker: 'toolu_T', body: messagesStream({ type: 'tool_use', id: 'toolu_T', name: 'apply_patch', input: {} }, patchArgs) },
  {
    shape: 'Messages server_tool_use',
    kind: 'messages',
    tool: 'web_fetch',
    input: 'json',
    marker: 'srvtoolu_T',
    body: messagesStream({ type: 'server_tool_use', id: 'srvtoolu_T', name: 'web_fetch', input: {} }, JSON.stringify({ url: `https://example.com/?token=${TOKEN}` })),
  },
  { shape: 'Messages mcp_tool_use', kind: 'messages', tool: 'mcp_jira_create_issue', input: 'json', marker: 'mcptoolu_T', body: messagesStream({ type: 'mcp_tool_use', id: 'mcptoolu_T', server_name: 'jira', name: 'create_issue', input: {} }, JSON.stringify({ body: TOKEN })) },
  { shape: 'Messages tool_use with its input whole in the start block', kind: 'messages', tool: 'apply_patch', input: 'json', marker: 'toolu_W', body: messagesStream({ type: 'tool_use', id: 'toolu_W', name: 'apply_patch', input: { input: PATCH } }, null) },
  { shape: 'Messages block type it does not know (frobnicate_tool_use)', kind: 'messages', tool: 'frobnicate_tool_use', input: 'json', marker: 'frobu_T', body: messagesStream({ type: 'frobnicate_tool_use', id: 'frobu_T', input: {} }, JSON.stringify({ token: TOKEN })) },
];

describe('every tool-call shape goes through the same hold and masking path', () => {
  for (const s of SHAPES) {
    it(`${s.shape}: held from its first event, judged on its masked input, dropped on denial`, async () => {
      const run = await runHeld(s.kind, s.body, masker);
      // Text before the call flows live; nothing of the call does until it is decided.
      expect(reassemble(s.kind as 'chat' | 'responses' | 'messages', run.beforeEnd).text).toBe('Working on it.');
      expect(run.beforeEnd).not.toContain(s.marker);
      // Judged once, under the right name, on the assembled input with the secret masked.
      expect(run.judged.map((j) => [j.tool, j.input])).toEqual([[s.tool, s.input]]);
      expect(run.judged[0]!.args).toMatch(/\[MASKED:github-pat:[0-9a-f]{4}\]/);
      expect(run.judged[0]!.args).not.toContain(TOKEN.slice(4, 20));
      // Denied: the call is gone, the client is told why, in a stream it can parse.
      expect(run.body).not.toContain(s.marker);
      expect(run.body).toContain('Witness blocked a tool call');
      expect(() => events(run.body)).not.toThrow();
    });

    it(`${s.shape}: allowed, the client gets the call with the secret masked everywhere`, async () => {
      const run = await runHeld(s.kind, s.body, masker, () => 'allow');
      expect(run.body).toContain(s.marker);
      expect(run.body).not.toContain(TOKEN.slice(4, 20));
      expect(run.body).toMatch(/\[MASKED:github-pat:[0-9a-f]{4}\]/);
    });
  }
});

describe('Responses custom_tool_call (raw text input)', () => {
  it('masks a token split across input deltas, and every final payload carries exactly the streamed input', async () => {
    const { body, adapter } = await runAdapter('responses', CUSTOM_STREAM, masker);
    const evs = events(body);
    const streamed = evs.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta as string).join('');
    expect(streamed).not.toContain(TOKEN.slice(4, 20));
    assertSameExceptMasked(streamed, PATCH);
    expect(streamed).toMatch(/\+GITHUB_TOKEN=\[MASKED:github-pat:[0-9a-f]{4}\]\n/);
    expect(evs.find((e) => e.type === 'response.custom_tool_call_input.done').input).toBe(streamed);
    expect(evs.find((e) => e.type === 'response.output_item.done' && e.item.type === 'custom_tool_call').item.input).toBe(streamed);
    expect(evs.find((e) => e.type === 'response.completed').response.output[1].input).toBe(streamed);
    expect(adapter.summary.toolCalls).toEqual([{ index: 1, id: 'call_T', name: 'apply_patch', arguments: streamed }]);
    expect(adapter.maskings.get('github-pat')).toBeGreaterThanOrEqual(1);
  });

  it('policy sees the apply_patch envelope whether it comes as raw custom-tool text or as JSON {input}', () => {
    const raw = evaluateToolCall(cp, 'apply_patch', PATCH, { input: 'text' });
    const json = evaluateToolCall(cp, 'apply_patch', patchArgs);
    for (const d of [raw, json]) {
      expect(d).toMatchObject({ decision: 'ask', ruleIds: ['protected-path:**/.env*'] });
      expect(d.operation.paths).toEqual([{ path: '.env.production', action: 'edit' }]);
      expect(d.operation.unparsable).toBe(false);
    }
    // Raw envelope text where JSON was expected: still read for its paths (and asked about as unparsable).
    const mislabelled = evaluateToolCall(cp, 'apply_patch', PATCH);
    expect(mislabelled.ruleIds).toEqual(['arguments:unparsable', 'protected-path:**/.env*']);
  });

  it('policy sees a shell action as a command, and an unknown call type under the unknown-tool rule', () => {
    const shell = evaluateToolCall(cp, 'local_shell', JSON.stringify({ call_id: 'c', action: { type: 'exec', command: ['bash', '-lc', 'rm -rf /srv/app'] } }));
    expect(shell.operation.commands).toEqual(['bash -lc rm -rf /srv/app']);
    expect(shell.ruleIds).toContain('protected-command:rm-recursive-force');
    expect(evaluateToolCall(cp, 'shell', 'rm -rf /srv/app', { input: 'text' }).ruleIds).toContain('protected-command:rm-recursive-force');
    expect(evaluateToolCall(cp, 'frobnicate_call', '{"x":1}')).toMatchObject({ decision: 'ask', ruleIds: ['class:unknown'] });
  });
});

describe('through the real proxy', () => {
  let upstream: FakeUpstream;
  let t: TestEngine;
  const requested: ApprovalView[] = [];
  const interactions: Interaction[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    t = await startTestEngine(upstream, {}, {}, {}); // the built-in default policy
    t.engine.bus.subscribe((e) => {
      if (e.type === 'approval.requested') requested.push(e.data);
      if (e.type === 'interaction.completed') interactions.push(e.data);
    });
    upstream.scripts.set('custom-tool-call', replay(CUSTOM_STREAM));
  });
  afterAll(async () => {
    await t?.stop();
    await upstream?.close();
  });

  const client = () => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });

  it('holds an apply_patch custom_tool_call editing .env.production, shows the masked patch, and rewrites it away when denied', async () => {
    const s = streamViaProxy(t.engine.proxyPort, t.caPem, '/responses?script=custom-tool-call&t=deny');
    await expect.poll(() => requested.find((a) => a.tool === 'apply_patch'), { timeout: 10_000 }).toBeTruthy();
    const a = requested.find((x) => x.tool === 'apply_patch')!;
    expect(a.ruleIds).toEqual(['protected-path:**/.env*']);
    expect(a.operation.paths).toEqual([{ path: '.env.production', action: 'edit' }]);
    expect(a.arguments).not.toContain(TOKEN.slice(4, 20));
    assertSameExceptMasked(a.arguments, PATCH);
    // Held: the text came through, the call did not.
    await expect.poll(() => s.state.body).toContain('Working on it.');
    expect(s.state.body).not.toContain('custom_tool_call');
    expect(s.state.done).toBe(false);
    await client().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash, reason: 'not the env file' });
    await s.finished;
    expect(s.state.body).not.toContain('ctc_T');
    expect(reassemble('responses', s.state.body).text).toMatch(/Witness blocked a tool call[\s\S]*apply_patch: denied: not the env file \(rule protected-path:\*\*\/\.env\*\)/);
    await expect.poll(() => interactions.find((i) => i.path.includes('t=deny'))?.decision).toBe('denied');
  });

  it('approved, the client reassembles the patch with the token masked', async () => {
    const since = requested.length;
    const s = streamViaProxy(t.engine.proxyPort, t.caPem, '/responses?script=custom-tool-call&t=approve');
    await expect.poll(() => requested.slice(since).find((a) => a.tool === 'apply_patch'), { timeout: 10_000 }).toBeTruthy();
    const a = requested.slice(since).find((x) => x.tool === 'apply_patch')!;
    await client().call('decide', { id: a.id, decision: 'approve', argsHash: a.argsHash });
    await s.finished;
    const evs = events(s.state.body);
    const input = evs.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta as string).join('');
    expect(s.state.body).not.toContain(TOKEN.slice(4, 20));
    assertSameExceptMasked(input, PATCH);
    expect(input).toBe(a.arguments);
  });
});
