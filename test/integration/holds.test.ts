import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { ControlApiError, createControlClient } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy, tlsThroughProxy } from '../helpers/proxy-client.js';
import { assertSameExceptMasked, reassemble } from '../helpers/reassemble.js';
import { runCli } from '../helpers/cli.js';
import { fx } from '../helpers/fixtures.js';


let upstream: FakeUpstream;
let t: TestEngine;
const requested: ApprovalView[] = [];
const interactions: Interaction[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // The built-in default policy, plus apply_patch on "ask" so the Responses fixture is held too.
  t = await startTestEngine(upstream, {}, {}, { tools: { apply_patch: 'ask' } });
  t.engine.bus.subscribe((e) => {
    if (e.type === 'approval.requested') requested.push(e.data);
    if (e.type === 'interaction.completed') interactions.push(e.data);
  });
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

/** A streaming client whose received text can be inspected while the response is held. */
function stream(path: string) {
  const state = { body: '', done: false, status: 0 };
  const finished = tlsThroughProxy(t.engine.proxyPort, 'api.business.githubcopilot.com', 443, { ca: t.caPem }).then(
    (socket) =>
      new Promise<void>((resolve, reject) => {
        const req = https.request({ host: 'api.business.githubcopilot.com', path, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket }, (res) => {
          state.status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (d: string) => (state.body += d));
          res.on('end', () => {
            state.done = true;
            resolve();
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end('{}');
      }),
  );
  return { state, finished };
}

const client = () => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
const nextApproval = async (tool: string, since: number) => {
  await expect.poll(() => requested.slice(since).find((a) => a.tool === tool), { timeout: 10_000 }).toBeTruthy();
  return requested.slice(since).find((a) => a.tool === tool)!;
};

describe('approval holds', () => {
  it('holds an edit of .env.production; text before the call reaches the client first; approving releases the exact calls', async () => {
    const since = requested.length;
    const s = stream('/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=5&t=approve');
    const a = await nextApproval('replace_string_in_file', since);
    expect(a.ruleIds).toEqual(['protected-path:**/.env*']);
    expect(a.operation.paths[0]).toMatchObject({ action: 'edit' });
    expect(a.arguments).not.toContain('sk_live_51FAKE'); // approvals show the masked arguments
    // Held: the client has the text, not the tool call.
    expect(reassemble('chat', s.state.body + '\n\n').text).toMatch(/^I'll update the env file/);
    expect(s.state.body).not.toContain('replace_string_in_file');
    expect(s.state.done).toBe(false);
    await client().call('decide', { id: a.id, decision: 'approve', argsHash: a.argsHash, reason: 'expected change' });
    await s.finished;
    const seen = reassemble('chat', s.state.body);
    const original = reassemble('chat', fx('03-agent.response-toolcalls.sse.txt'));
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['replace_string_in_file', 'run_in_terminal']);
    seen.toolCalls.forEach((c, i) => assertSameExceptMasked(c.arguments, original.toolCalls[i]!.arguments));
    expect(seen.finishReason).toBe('tool_calls');
    await expect.poll(() => interactions.find((i) => i.path.includes('t=approve'))).toBeTruthy();
    const rec = interactions.find((i) => i.path.includes('t=approve'))!;
    expect(rec.decision).toBe('approved');
    expect(rec.approvals[0]).toMatchObject({ tool: 'replace_string_in_file', verdict: 'approved', reason: 'expected change', argsHash: a.argsHash });
  });

  it('denying rewrites the stream: no tool call, an explanation, finish_reason stop', async () => {
    const since = requested.length;
    const s = stream('/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=deny');
    const a = await nextApproval('replace_string_in_file', since);
    await client().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash, reason: 'not in this sprint' });
    await s.finished;
    const seen = reassemble('chat', s.state.body);
    expect(seen.toolCalls.filter((c) => c.name === 'replace_string_in_file')).toEqual([]);
    expect(seen.text).toMatch(/Witness blocked a tool call[\s\S]*replace_string_in_file: denied: not in this sprint \(rule protected-path:\*\*\/\.env\*\)/);
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']); // the allowed call stays
  });

  it('rejects a decision quoting stale arguments (hash mismatch) with 409', async () => {
    const since = requested.length;
    const s = stream('/v1/messages?fixture=05-messages.response-tooluse.sse.txt&ms=1&t=stale');
    const a = await nextApproval('run_in_terminal', since);
    await expect(client().call('decide', { id: a.id, decision: 'approve', argsHash: '0'.repeat(64) })).rejects.toMatchObject({ status: 409, code: 'STALE_APPROVAL' });
    await client().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash });
    await s.finished;
    const seen = reassemble('messages', s.state.body);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.finishReason).toBe('end_turn');
    expect(seen.text).toContain('run_in_terminal');
    expect(ControlApiError).toBeDefined();
  });

  it('rewrites a denied Responses API call into a valid stream with a message item', async () => {
    const since = requested.length;
    const s = stream('/responses?fixture=04-responses.response-toolcalls.sse.txt&ms=1&t=resp');
    const a = await nextApproval('apply_patch', since);
    await client().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash });
    await s.finished;
    const seen = reassemble('responses', s.state.body);
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']);
    expect(seen.text).toContain('apply_patch');
    expect(seen.finishReason).toBe('completed');
  });

  it('decides three concurrent holds in a different order than they were requested', async () => {
    const since = requested.length;
    const streams = [1, 2, 3].map((k) => stream(`/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=multi${k}`));
    await expect.poll(() => requested.slice(since).length, { timeout: 10_000 }).toBe(3);
    const pending = await client().call('approvals', {});
    expect(pending.length).toBeGreaterThanOrEqual(3);
    const [a1, a2, a3] = requested.slice(since);
    await client().call('decide', { id: a3!.id, decision: 'approve', argsHash: a3!.argsHash });
    await client().call('decide', { id: a1!.id, decision: 'deny', argsHash: a1!.argsHash });
    await client().call('decide', { id: a2!.id, decision: 'approve', argsHash: a2!.argsHash });
    await Promise.all(streams.map((s) => s.finished));
    const calls = streams.map((s) => reassemble('chat', s.state.body).toolCalls.length);
    expect(calls.sort()).toEqual([1, 2, 2]);
  });
});

describe('approvals: cancellation and the CLI', () => {
  it('a client that closes its connection cancels its hold, and the cancellation is recorded', async () => {
    const decided: ApprovalView[] = [];
    const off = t.engine.bus.subscribe((e) => {
      if (e.type === 'approval.decided') decided.push(e.data);
    });
    const since = requested.length;
    const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.business.githubcopilot.com', 443, { ca: t.caPem });
    const req = https.request({ host: 'api.business.githubcopilot.com', path: '/v1/messages?fixture=05-messages.response-tooluse.sse.txt&t=cancel', method: 'POST', createConnection: () => socket }, (res) => res.resume());
    req.on('error', () => undefined);
    req.end('{}');
    const a = await nextApproval('run_in_terminal', since);
    socket.destroy();
    await expect.poll(() => decided.find((d) => d.id === a.id)?.status).toBe('cancelled');
    off();
    await expect.poll(() => interactions.find((i) => i.path.includes('t=cancel'))?.approvals[0]?.verdict).toBe('cancelled');
  });

  it('witness approvals list / approve answers a hold from the command line', async () => {
    const since = requested.length;
    const s = stream('/v1/messages?fixture=05-messages.response-tooluse.sse.txt&t=cli');
    const a = await nextApproval('run_in_terminal', since);
    const list = await runCli(['approvals', 'list', '--data-dir', t.dataDir, '--json']);
    expect(JSON.parse(list.stdout).map((x: ApprovalView) => x.id)).toContain(a.id);
    const human = await runCli(['approvals', 'list', '--data-dir', t.dataDir]);
    expect(human.stdout).toContain('$ rm -rf /home/dev/payments/node_modules');
    const r = await runCli(['approvals', 'approve', a.id, '--reason', 'cleanup is fine', '--data-dir', t.dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run_in_terminal: approved by /);
    await s.finished;
    expect(reassemble('messages', s.state.body).toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']);
  });
});

describe('approval timeout', () => {
  it('a hold nobody answers is denied when the policy timeout expires', async () => {
    const quick = await startTestEngine(upstream, {}, {}, { approvals: { timeoutSeconds: 5 } });
    try {
      const { body } = await requestViaProxy({
        proxyPort: quick.engine.proxyPort,
        host: 'api.business.githubcopilot.com',
        path: '/v1/messages?fixture=05-messages.response-tooluse.sse.txt',
        method: 'POST',
        body: '{}',
        ca: quick.caPem,
      });
      expect(body).toContain(': witness: waiting for approval');
      const seen = reassemble('messages', body);
      expect(seen.toolCalls).toEqual([]);
      expect(seen.text).toMatch(/run_in_terminal: no one approved it in time/);
    } finally {
      await quick.stop();
    }
  }, 20_000);
});

describe('request-side policy', () => {
  let strict: TestEngine;
  beforeAll(async () => {
    strict = await startTestEngine(upstream, {}, {}, {
      plans: { allowed: ['business', 'enterprise'], message: 'Personal Copilot plans are not allowed here.' },
      masking: { blockTypes: ['private-key'] },
      inlineCompletionsInProtectedPaths: 'deny',
    });
  });
  afterAll(async () => {
    await strict?.stop();
  });
  const post = (host: string, path: string, body: string) =>
    tlsThroughProxy(strict.engine.proxyPort, host, 443, { ca: strict.caPem }).then(
      (socket) =>
        new Promise<string>((resolve, reject) => {
          const req = https.request({ host, path, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket }, (res) => {
            let b = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (b += d));
            res.on('end', () => resolve(b));
          });
          req.on('error', reject);
          req.end(body);
        }),
    );

  it('refuses a personal plan host with a readable message and sends nothing upstream', async () => {
    const before = upstream.requests.length;
    const body = await post('api.individual.githubcopilot.com', '/chat/completions?t=plan', JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(upstream.requests.length).toBe(before);
    expect(reassemble('chat', body).text).toBe('Personal Copilot plans are not allowed here.');
  });

  it('refuses a prompt carrying a private key when policy blocks that type', async () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\n' + 'MIIEowIBAAKCAQEAx8VmN2bQ9rT5uW1yZ3aC6dE7fG0hJ4kLmN0pQ2rS4tU6vW8xY\n'.repeat(4) + '-----END RSA PRIVATE KEY-----';
    const before = upstream.requests.length;
    const body = await post('api.business.githubcopilot.com', '/chat/completions?t=pk', JSON.stringify({ stream: true, messages: [{ role: 'user', content: `why does this fail?\n${key}` }] }));
    expect(upstream.requests.length).toBe(before);
    expect(reassemble('chat', body).text).toMatch(/contains private-key, which policy does not allow/);
  });

  it('gives no inline completion inside a protected file', async () => {
    const before = upstream.requests.length;
    const body = await post('proxy.business.githubcopilot.com', '/v1/engines/gpt-41-copilot/completions?t=nes', JSON.stringify({ prompt: '// Path: config/.env.production\nSTRIPE_KEY=', suffix: '', stream: true }));
    expect(upstream.requests.length).toBe(before);
    expect(reassemble('completion', body).text).toBe('');
  });

  it('shows reviewers a diff preview of a held edit', async () => {
    const since = requested.length;
    const s = stream('/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=preview');
    const a = await nextApproval('replace_string_in_file', since);
    expect(a.operation.previews[0]).toMatchObject({ kind: 'replace', file: '/home/dev/payments/.env.production', newText: 'STRIPE_KEY=${STRIPE_SECRET}\nRETRIES=3\n' });
    expect((a.operation.previews[0] as { oldText: string }).oldText).toMatch(/^STRIPE_KEY=\[MASKED:stripe-secret-key:[0-9a-f]{4}\]/);
    await client().call('decide', { id: a.id, decision: 'approve', argsHash: a.argsHash });
    await s.finished;
  });
});
