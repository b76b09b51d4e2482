/**
 * The data path's stages, driven in memory through the Pipeline with real parts (masker,
 * policy, approval registry, hold) and the Copilot fixtures: requests in, response bytes
 * through the transform the stages build, the record out of the audit sink. No TLS.
 */
import { PassThrough, type Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApprovalRegistry } from '../../proxy/approvals/index.js';
import { ConfigSchema } from '../../proxy/config/index.js';
import type { ExchangeRequest, ExchangeSummary } from '../../proxy/intercept/index.js';
import { Masker } from '../../proxy/masking/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { auditSink, liveEvents, Pipeline, planRouting, recordAssembly, requestMasking, requestPolicy, responseMasking, syncStage, toolCallHold, type Stage } from '../../proxy/pipeline/index.js';
import { compilePolicy, resolvePolicy } from '../../proxy/policy/index.js';
import { SseAdapterTransform } from '../../proxy/protocols/index.js';
import { fx, headersOf } from '../helpers/fixtures.js';
import { events } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 9) });
const GH = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

function setup(central: Record<string, unknown> | null = null, masking: Record<string, unknown> = {}) {
  const policy = compilePolicy(resolvePolicy({ central }).policy);
  const maskingConfig = ConfigSchema.parse({ masking }).masking;
  const records: Interaction[] = [];
  const live: Array<{ type: string; data: any }> = [];
  const registry = new ApprovalRegistry({ timeoutMs: 60_000, onTimeout: 'deny' });
  const stages: Stage[] = [
    planRouting({ policy: () => policy }),
    requestMasking({ masker, masking: maskingConfig, maxInspectedBodyBytes: 1 << 20 }),
    requestPolicy({ policy: () => policy, masking: maskingConfig }),
    responseMasking({ masker, masking: maskingConfig, maxInspectedBodyBytes: 1 << 20 }),
    toolCallHold({ policy: () => policy, registry, requester: 'dev' }),
    liveEvents({ live: { started: (data) => live.push({ type: 'started', data }), delta: (data) => live.push({ type: 'delta', data }) } }),
    recordAssembly({ masker }),
    auditSink({ append: (r) => records.push(r) }),
  ];
  return { pipeline: new Pipeline(masker, stages), records, live, registry };
}

let seq = 0;
function request(path: string, headers: Record<string, string> = {}, host = 'api.business.githubcopilot.com'): ExchangeRequest {
  return { id: `x${++seq}`, method: 'POST', protocol: 'https', host, port: 443, path, headers: { 'content-type': 'application/json', ...headers }, clientAddress: '127.0.0.1', httpVersion: '1.1', startedAt: Date.now() };
}

function summary(req: ExchangeRequest, status: number | null, outcome: ExchangeSummary['outcome'] = 'ok'): ExchangeSummary {
  const t = req.startedAt;
  return { request: req, status, timings: { start: t, headers: t + 1, firstByte: t + 2, end: t + 3 }, bytesFromUpstream: 0, bytesToClient: 0, outcome, notInspected: null, error: null };
}

/** Writes a body through a response transform; resolves with what the client received. */
async function through(t: Transform, body: string): Promise<string> {
  let out = '';
  t.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const done = new Promise((r) => t.on('end', r));
  t.end(Buffer.from(body));
  await done;
  return out;
}

describe('request stages', () => {
  it('request masking: the masked body goes upstream, the view and the record hold only the mask', async () => {
    const { pipeline, records, live } = setup();
    const req = request('/chat/completions', headersOf('02-chat.request-headers.http'));
    const body = JSON.parse(fx('02-chat.request.json'));
    body.messages.push({ role: 'user', content: `deploy with ${GH} please` });
    const action = pipeline.request(req, Buffer.from(JSON.stringify(body)));
    expect(action.kind).toBe('forward');
    const sent = action.kind === 'forward' ? action.body!.toString('utf8') : '';
    expect(sent).not.toContain(GH);
    expect(sent).toMatch(/\[MASKED:github-pat:[0-9a-f]{4}\]/);
    // The live event is published after the request has gone upstream (the next check phase), not on its path.
    expect(live).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(live[0]).toMatchObject({ type: 'started', data: { id: req.id, endpoint: 'chat', decision: 'masked' } });
    expect(live[0]!.data.prompt).toMatch(/^deploy with \[MASKED:github-pat/);
    pipeline.end(summary(req, 200));
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records[0])).not.toContain(GH);
    expect(records[0]).toMatchObject({ decision: 'masked', status: 'ok' });
    expect(records[0]!.maskings).toContainEqual({ type: 'github-pat', where: 'request', count: 1 });
    // Record assembly redacts credentials in headers (the scheme stays visible).
    expect(records[0]!.headers!.request).toContainEqual(['authorization', 'Bearer [REDACTED]']);
  });

  it('plan routing: a plan policy does not allow is refused in the client protocol before the body is read', () => {
    const { pipeline, records, live } = setup({ plans: { allowed: ['business'] } });
    const req = request('/chat/completions', {}, 'api.individual.githubcopilot.com');
    const action = pipeline.request(req, Buffer.from(JSON.stringify({ stream: true, messages: [{ role: 'user', content: GH }] })));
    expect(action).toMatchObject({ kind: 'respond', status: 200, headers: { 'content-type': 'text/event-stream' } });
    expect(action.kind === 'respond' && action.body.toString()).toContain('this Copilot plan is not allowed');
    expect(live).toHaveLength(0);
    pipeline.end(summary(req, 200, 'refused'));
    expect(records[0]).toMatchObject({ status: 'blocked', decision: 'blocked', ruleIds: ['plan:individual'], prompt: '' });
  });

  it('block types: a secret type policy blocks is refused, naming the type and the rule', () => {
    const { pipeline, records } = setup({ masking: { blockTypes: ['github-pat'] } });
    const req = request('/responses');
    const action = pipeline.request(req, Buffer.from(JSON.stringify({ stream: true, input: [{ role: 'user', content: `key ${GH}` }] })));
    expect(action.kind).toBe('respond');
    const text = action.kind === 'respond' ? action.body.toString() : '';
    expect(events(text).map((e) => e.type)).toContain('response.completed');
    expect(text).toContain('it contains github-pat');
    pipeline.end(summary(req, 200, 'refused'));
    expect(records[0]).toMatchObject({ status: 'blocked', ruleIds: ['block-secret:github-pat'] });
  });

  it('inline-completion guard: no ghost text in a protected file (an empty suggestion, never the message as code)', () => {
    const { pipeline, records } = setup({ inlineCompletionsInProtectedPaths: 'deny' });
    const req = request('/v1/engines/gpt-41-copilot/completions', {}, 'proxy.business.githubcopilot.com');
    const action = pipeline.request(req, Buffer.from(JSON.stringify({ prompt: '// Path: app/.env.local\nSTRIPE=', suffix: '', stream: true })));
    expect(action.kind).toBe('respond');
    const chunks = events(action.kind === 'respond' ? action.body.toString() : '');
    expect(chunks[0].choices[0]).toMatchObject({ text: '', finish_reason: 'stop' });
    pipeline.end(summary(req, 200, 'refused'));
    expect(records[0]!.ruleIds[0]).toMatch(/^inline-completion:/);
  });

  it('an uninspectable body is refused by default ("block"), or forwarded as sent and recorded as such under "pass"', () => {
    const pass = setup(null, { uninspectable: 'pass' });
    const req = request('/chat/completions', { 'content-type': 'application/octet-stream' });
    expect(pass.pipeline.request(req, Buffer.from([0, 1, 2, 3]))).toEqual({ kind: 'forward' });
    pass.pipeline.end(summary(req, 200));
    expect(pass.records[0]!.notInspected).toEqual(['request: content-type application/octet-stream is not inspected']);
    const strict = setup();
    expect(strict.pipeline.request(request('/chat/completions'), null).kind).toBe('respond');
  });
});

describe('response stages', () => {
  it('response masking + live events + record: a chat stream is masked for the client and recorded with its pace', async () => {
    const { pipeline, records, live } = setup();
    const req = request('/chat/completions');
    pipeline.request(req, Buffer.from(fx('02-chat.request.json')));
    const upstream = fx('02-chat.response.sse.txt').replace('data: {', `data: {"note":"${GH}",`);
    const t = pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'text/event-stream' } })!;
    const out = await through(t, upstream);
    expect(out).not.toContain(GH);
    pipeline.end(summary(req, 200));
    const r = records[0]!;
    const streamed = events(out).flatMap((e) => e.choices?.map((c: any) => c.delta?.content ?? '') ?? []).join('');
    expect(r.response).toBe(streamed);
    expect(r.response.length).toBeGreaterThan(0);
    expect(r.pace!.length).toBeGreaterThan(0);
    expect(r.maskings).toContainEqual({ type: 'github-pat', where: 'response', count: 1 });
    // The live view got the answer (coalesced; the end flushes what is left).
    expect(live.filter((e) => e.type === 'delta').map((e) => e.data.text).join('')).toBe(streamed);
  });

  it('live events: the request\'s started event comes before the first delta even when the answer beats the check phase', async () => {
    const { pipeline, live } = setup();
    const req = request('/chat/completions');
    pipeline.request(req, Buffer.from(fx('02-chat.request.json')));
    expect(live).toHaveLength(0);
    const t = pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'text/event-stream' } })!;
    t.write(Buffer.from(fx('02-chat.response.sse.txt')));
    expect(live[0]).toMatchObject({ type: 'started', data: { id: req.id, endpoint: 'chat' } });
    pipeline.end(summary(req, 200));
    expect(live.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(live.map((e) => e.type)).toEqual(['started', 'delta']);
    await new Promise((r) => setImmediate(r));
    expect(live.filter((e) => e.type === 'started')).toHaveLength(1); // published once
  });

  it('a buffered JSON body: the token exchange keeps the token for the client and never in the record', async () => {
    const { pipeline, records } = setup();
    const req = request('/copilot_internal/v2/token', {}, 'api.github.com');
    pipeline.request(req, Buffer.alloc(0));
    const body = fx('06-token-exchange.response.json');
    const token = JSON.parse(body).token as string;
    const out = await through(pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'application/json' } })!, body);
    expect(JSON.parse(out).token).toBe(token);
    pipeline.end(summary(req, 200));
    expect(records[0]!.response).not.toContain(token);
    expect(records[0]!.maskings).toContainEqual({ type: 'copilot-token', where: 'response', count: 1 });
  });

  it('tool-call hold: a call policy denies is held from its first event, dropped, explained and recorded', async () => {
    const { pipeline, records } = setup({ tools: { run_in_terminal: 'deny', replace_string_in_file: 'deny' } });
    const req = request('/chat/completions', headersOf('03-agent.request-headers.http'));
    pipeline.request(req, Buffer.from(fx('03-agent.request.json')));
    const t = pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'text/event-stream' } })!;
    const out = await through(t, fx('03-agent.response-toolcalls.sse.txt'));
    const chunks = events(out);
    const names = chunks.flatMap((e) => e.choices?.flatMap((c: any) => (c.delta?.tool_calls ?? []).map((tc: any) => tc.function?.name)) ?? []).filter(Boolean);
    expect(names).not.toContain('run_in_terminal');
    expect(out).toContain('Witness blocked');
    pipeline.end(summary(req, 200));
    const r = records[0]!;
    expect(r.decision).toBe('denied');
    expect(r.approvals.find((a) => a.tool === 'run_in_terminal')).toMatchObject({ verdict: 'denied' });
  });

  it('an event stream of a family without a tool-call hold gets the masking transform, built after the head hooks', async () => {
    const { pipeline, records } = setup();
    // An endpoint of the buffered family (no rewriteDenied): no hold replaces the masking stage's transform.
    const req = request('/some/other/stream');
    pipeline.request(req, Buffer.alloc(0));
    const t = pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'text/event-stream' } })!;
    expect(t).toBeInstanceOf(SseAdapterTransform);
    const out = await through(t, `data: {"note":"${GH}"}\n\n`);
    expect(out).not.toContain(GH);
    pipeline.end(summary(req, 200));
    expect(records[0]!.maskings).toContainEqual({ type: 'github-pat', where: 'response', count: 1 });
  });

  it('the masking stage leaves an event stream transform unbuilt while a later stage may replace it', () => {
    const maskingConfig = ConfigSchema.parse({}).masking;
    const seen: Array<Transform | null> = [];
    const replacement = new PassThrough();
    const pipeline = new Pipeline(masker, [
      responseMasking({ masker, masking: maskingConfig, maxInspectedBodyBytes: 1 << 20 }),
      {
        name: 'probe',
        responseHead(flow) {
          seen.push(flow.response.transform);
          flow.response.transform = replacement;
        },
      },
    ]);
    const req = request('/chat/completions');
    pipeline.request(req, Buffer.from(fx('02-chat.request.json')));
    expect(pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'text/event-stream' } })).toBe(replacement);
    // Built eagerly, the SseAdapterTransform would be made here and thrown away (the hold does this on every chat stream).
    expect(seen).toEqual([null]);
  });

  it('a client that leaves while a call waits for approval cancels it; the record says so', async () => {
    const { pipeline, records, registry } = setup({ tools: { run_in_terminal: 'ask' } });
    const req = request('/chat/completions');
    pipeline.request(req, Buffer.from(fx('03-agent.request.json')));
    const t = pipeline.responseHead(req, { status: 200, headers: { 'content-type': 'text/event-stream' } })!;
    t.on('data', () => undefined);
    const asked = new Promise<void>((resolve) => {
      const poll = () => (registry.list().length ? resolve() : setImmediate(poll));
      poll();
    });
    t.write(Buffer.from(fx('03-agent.response-toolcalls.sse.txt')));
    await asked;
    pipeline.end(summary(req, 200, 'client-abort'));
    expect(registry.list()).toHaveLength(0);
    expect(records[0]).toMatchObject({ status: 'client-abort', decision: 'cancelled' });
    expect(records[0]!.approvals.find((a) => a.tool === 'run_in_terminal')).toMatchObject({ verdict: 'cancelled' });
  });
});

describe('the pipeline', () => {
  it('runs each hook in list order and stops the request steps at a refusal', () => {
    const calls: string[] = [];
    const stage = (name: string, refuse = false): Stage => ({
      name,
      request: () => {
        calls.push(`${name}.request`);
        return refuse ? { refuse: 'no' } : undefined;
      },
      end: () => void calls.push(`${name}.end`),
      recorded: () => void calls.push(`${name}.recorded`),
    });
    const p = new Pipeline(masker, [stage('a'), stage('b', true), stage('c'), recordAssembly({ masker }), stage('d')]);
    const req = request('/chat/completions');
    expect(p.request(req, Buffer.from('{}')).kind).toBe('respond');
    p.end(summary(req, 200, 'refused'));
    expect(calls).toEqual(['a.request', 'b.request', 'a.end', 'b.end', 'c.end', 'd.end', 'a.recorded', 'b.recorded', 'c.recorded', 'd.recorded']);
  });

  it('sync sees a record only once the audit sink has stored it, and never one the store refused', async () => {
    const kicks: string[] = [];
    let store!: (ok: boolean) => void;
    const append = () => new Promise<void>((resolve, reject) => (store = (ok) => (ok ? resolve() : reject(new Error('disk full')))));
    const p = new Pipeline(masker, [recordAssembly({ masker }), auditSink({ append }), syncStage({ kick: () => kicks.push('kick') })]);
    const first = request('/chat/completions');
    p.request(first, Buffer.from('{}'));
    p.end(summary(first, 200, 'refused'));
    await new Promise((r) => setImmediate(r));
    expect(kicks).toEqual([]); // not stored yet
    store(true);
    await new Promise((r) => setImmediate(r));
    expect(kicks).toEqual(['kick']);
    const second = request('/chat/completions');
    p.request(second, Buffer.from('{}'));
    p.end(summary(second, 200, 'refused'));
    store(false);
    await new Promise((r) => setImmediate(r));
    expect(kicks).toEqual(['kick']);
  });
});
