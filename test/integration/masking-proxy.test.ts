import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { fx, headersOf } from '../helpers/fixtures.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { assertSameExceptMasked, reassemble } from '../helpers/reassemble.js';

let upstream: FakeUpstream;
let t: TestEngine;
const interactions: Interaction[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // The response fixtures stream the very Stripe key the request fixtures carry. With the
  // placeholder round trip on, the editor would get back that key it sent itself (see
  // placeholder-roundtrip.test.ts); these tests are about masking model output, so it is off.
  t = await startTestEngine(upstream, {}, {}, { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' }, masking: { restoreInResponses: false } });
  t.engine.bus.subscribe((e) => {
    if (e.type === 'interaction.completed') interactions.push(e.data);
  });
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

const via = (opts: Partial<Parameters<typeof requestViaProxy>[0]> & { path: string }) =>
  requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.business.githubcopilot.com', ca: t.caPem, ...opts });
const interactionFor = async (pathPart: string) => {
  await expect.poll(() => interactions.find((i) => i.path.includes(pathPart))).toBeTruthy();
  return interactions.find((i) => i.path.includes(pathPart))!;
};

describe('request masking (before the prompt leaves the machine)', () => {
  it('masks the secret in a chat attachment; the upstream gets valid JSON with the right length', async () => {
    const body = fx('02-chat.request.json');
    const res = await via({ path: '/chat/completions?echo=1&t=req1', method: 'POST', body, headers: { ...headersOf('02-chat.request-headers.http'), 'content-type': 'application/json' } });
    const seen = upstream.requests.find((r) => r.url.includes('t=req1'))!;
    expect(seen.body).not.toContain('sk_live_51FAKE');
    expect(seen.body).toMatch(/\[MASKED:stripe-secret-key:[0-9a-f]{4}\]/);
    expect(Number(seen.headers['content-length'])).toBe(Buffer.byteLength(seen.body));
    const sent = JSON.parse(seen.body);
    expect(sent.messages[1].content).toContain('Why does the retry loop');
    expect(res.status).toBe(200);
    expect(seen.headers.authorization).toBe(headersOf('02-chat.request-headers.http').authorization); // credentials pass through
  });

  it('decodes a gzip request body, masks it, and forwards it uncompressed', async () => {
    const body = zlib.gzipSync(fx('03-agent.followup-request.json'));
    await via({ path: '/chat/completions?echo=1&t=gz', method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    const seen = upstream.requests.find((r) => r.url.includes('t=gz'))!;
    expect(seen.headers['content-encoding']).toBeUndefined();
    expect(seen.body).not.toContain('sk_live_51FAKE');
    expect(() => JSON.parse(seen.body)).not.toThrow();
  });

  it('records the human prompt (inside <userRequest>), the tools offered and the masked context', async () => {
    await via({ path: '/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&t=agent', method: 'POST', body: fx('03-agent.request.json'), headers: headersOf('03-agent.request-headers.http') });
    const i = await interactionFor('t=agent');
    expect(i.endpoint).toBe('chat');
    expect(i.plan).toBe('business');
    expect(i.client.editor).toBe('VS Code');
    expect(i.client.intent).toBe('conversation-agent');
    expect(i.prompt.length).toBeGreaterThan(0);
    expect(i.prompt).not.toContain('<userRequest>');
    expect(i.toolsOffered).toContain('run_in_terminal');
    expect(i.toolCalls.map((c) => c.name)).toEqual(['replace_string_in_file', 'run_in_terminal']);
    expect(JSON.stringify(i)).not.toContain('sk_live_51FAKE');
    expect(JSON.stringify(i)).not.toContain('sku=copilot_for_business_seat_quota'); // the Authorization value
    expect(i.headers?.request).toContainEqual(['authorization', 'Bearer [REDACTED]']);
    expect(i.headers?.request).toContainEqual(['editor-plugin-version', 'copilot-chat/0.36.0']);
    expect(i.headers?.response.some(([k]) => k === 'content-type')).toBe(true);
    // The human's words apart from what the editor injected in the same turn.
    expect(i.prompt.trim()).toBe('Switch the payments service to read the Stripe key from STRIPE_SECRET and run the unit tests.');
    expect(i.context.join('\n')).toContain('<environment_info>');
    expect(i.context.join('\n')).toContain('<reminderInstructions>');
    // The response's pace: increasing times, growing text and tool arguments, ending at the whole.
    const pace = i.pace!;
    expect(pace.length).toBeGreaterThan(1);
    pace.slice(1).forEach((p, k) => expect(p[0] >= pace[k]![0] && p[1] >= pace[k]![1] && p[2] >= pace[k]![2]).toBe(true));
    expect(pace[pace.length - 1]![1]).toBe(i.response.length);
    expect(pace[pace.length - 1]![2]).toBe(i.toolCalls.reduce((n, c) => n + c.arguments.length, 0));
    expect(i.decision).toBe('masked');
    expect(i.timings.firstToken).not.toBeNull();
  });
});

describe('response masking (before output reaches the IDE)', () => {
  it('masks secrets in streamed text and tool-call arguments; tool calls stay valid JSON', async () => {
    const res = await via({ path: '/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=2&t=resp', method: 'POST', body: '{}' });
    expect(res.body).not.toContain('sk_live_51FAKE');
    const seen = reassemble('chat', res.body);
    expect(seen.toolCalls).toHaveLength(2);
    for (const c of seen.toolCalls) expect(() => JSON.parse(c.arguments)).not.toThrow();
    expect(JSON.parse(seen.toolCalls[0]!.arguments).oldString).toMatch(/^STRIPE_KEY=\[MASKED:stripe-secret-key:[0-9a-f]{4}\]\nRETRIES=3\n$/);
  });

  for (const [file, kind, as] of [
    ['04-responses.response-toolcalls.sse.txt', '/responses', 'responses'],
    ['05-messages.response-tooluse.sse.txt', '/v1/messages', 'messages'],
    ['01-completion.response.sse.txt', '/v1/engines/gpt-41-copilot/completions', 'completion'],
  ] as const) {
    it(`streams ${kind} through the adapter with the same client-visible content`, async () => {
      const res = await via({ path: `${kind}?fixture=${file}&ms=1`, method: 'POST', body: '{}' });
      const before = reassemble(as, fx(file));
      const after = reassemble(as, res.body);
      expect(after.toolCalls.map((c) => c.name)).toEqual(before.toolCalls.map((c) => c.name));
      assertSameExceptMasked(after.text, before.text);
      after.toolCalls.forEach((c, i) => assertSameExceptMasked(c.arguments, before.toolCalls[i]!.arguments));
    });
  }

  it('keeps 50 events 20 ms apart paced with masking on (not delivered at the end)', async () => {
    const paced = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.githubcopilot.com', path: '/sse?n=50&ms=20', ca: t.caPem });
    expect(paced.events).toHaveLength(51);
    const gaps = paced.eventTimes.slice(1, 50).map((v, i) => v - paced.eventTimes[i]!).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(12);
    expect(paced.eventTimes[49]! - paced.eventTimes[0]!).toBeGreaterThan(800);
  });

  it('passes the Copilot token to the client untouched but never records it', async () => {
    const res = await requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.githubcopilot.com',
      path: '/copilot_internal/v2/token',
      ca: t.caPem,
      headers: { authorization: 'token gho_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000' },
    });
    const original = JSON.parse(fx('06-token-exchange.response.json'));
    expect(JSON.parse(res.body).token).toBe(original.token);
    const i = await interactionFor('/copilot_internal/v2/token');
    expect(i.endpoint).toBe('token');
    expect(JSON.stringify(i)).not.toContain(original.token.slice(0, 40));
    expect(JSON.stringify(i)).not.toContain('gho_FAKE');
    expect(i.response).toMatch(/\[MASKED:copilot-token:[0-9a-f]{4}\]/);
  });
});

describe('audit records through the control API', () => {
  it('stores each interaction durably and finds it by a word of its prompt', async () => {
    const stored: string[] = [];
    const off = t.engine.bus.subscribe((e) => {
      if (e.type === 'record.stored') stored.push(e.data.id);
    });
    await via({ path: '/chat/completions?echo=1&t=auditapi', method: 'POST', body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'explain the flamingo scheduler' }] }), headers: { 'content-type': 'application/json' } });
    const client = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    // Earlier tests' records may still be arriving (after-work waits for a quiet moment): wait
    // for this exchange's own record to be stored (its event) and found.
    let page = await client.call('search', { q: 'flamingo' });
    await expect.poll(async () => (page = await client.call('search', { q: 'flamingo' })).items.length, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => stored.includes(page.items[0]!.id), { timeout: 20_000 }).toBe(true);
    off();
    const record = await client.call('record', { id: page.items[0]!.id });
    expect(record).toMatchObject({ prompt: 'explain the flamingo scheduler', messages: [{ role: 'user', text: 'explain the flamingo scheduler' }], hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await client.status()).audit.records).toBeGreaterThan(0);
  });
});

describe('policy: block secrets in prompts', () => {
  it('answers with a readable refusal in the client protocol and sends nothing upstream', async () => {
    const blocking = await startTestEngine(upstream, { masking: { requests: 'block' } });
    try {
      const before = upstream.requests.length;
      const res = await requestViaProxy({
        proxyPort: blocking.engine.proxyPort,
        host: 'api.business.githubcopilot.com',
        path: '/chat/completions?t=blocked',
        method: 'POST',
        body: fx('02-chat.request.json'),
        headers: { 'content-type': 'application/json' },
        ca: blocking.caPem,
      });
      expect(upstream.requests.length).toBe(before);
      expect(res.status).toBe(200);
      const seen = reassemble('chat', res.body);
      expect(seen.text).toMatch(/Witness blocked this request: it contains secrets \(stripe-secret-key\)/);
      expect(seen.finishReason).toBe('stop');
    } finally {
      await blocking.stop();
    }
  });
});
