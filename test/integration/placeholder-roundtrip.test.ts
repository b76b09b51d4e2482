/**
 * Issue 13, part 1, through the real proxy: a prompt carries a file with a secret, the
 * upstream (which only ever saw the placeholder) answers with a `replace_string_in_file`
 * whose `oldString` quotes that placeholder, split over many events. The editor must get
 * the real value back (so the edit applies), while the upstream request, the record, the
 * export and the live events keep the placeholder. A fresh secret in the answer is still
 * masked, a placeholder the engine did not produce is left alone, and with
 * `masking.restoreInResponses: false` the editor gets placeholders as before.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argsHash } from '../../proxy/approvals/index.js';
import { createControlClient, type ApprovalView } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openEventStream } from '../helpers/events.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';

const STRIPE = 'sk_live_51H8xQ2Lz7TqK9vYb3NcW4rPdQ';
const FRESH_PAT = 'ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';
const FOREIGN = '[MASKED:aws-access-key-id:0bad]';
const HOST = 'api.business.githubcopilot.com';
const PLACEHOLDER = /\[MASKED:[A-Za-z0-9_.-]+:[0-9a-f]{4}\]/;

let upstream: FakeUpstream;

/** The fake model: echoes the placeholder it received in an edit's oldString and in its text, in small pieces. */
function echoEdit(res: http.ServerResponse) {
  const body = upstream.requests.at(-1)!.body;
  const ph = PLACEHOLDER.exec(body)?.[0] ?? 'NO-PLACEHOLDER-RECEIVED';
  const args = JSON.stringify({ filePath: '/work/app/.env.local', oldString: `STRIPE_KEY=${ph}`, newString: 'STRIPE_KEY=${STRIPE_KEY}', explanation: 'read the key from the environment' });
  const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', model: 'gpt-4.1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const text = `I will replace ${ph} (not ${FOREIGN}); also rotate ${FRESH_PAT} now. `;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const events: string[] = [];
  for (let i = 0; i < text.length; i += 5) events.push(chunk({ content: text.slice(i, i + 5) }));
  events.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'replace_string_in_file', arguments: '' } }] }));
  for (let i = 0; i < args.length; i += 3) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 3) } }] }));
  events.push(chunk({}, 'tool_calls'));
  events.push('data: [DONE]\n\n');
  for (const e of events) res.write(e);
  res.end();
}

async function ask(t: TestEngine, tag: string) {
  const prompt = { model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: `Here is my .env.local:\nSTRIPE_KEY=${STRIPE}\nUse the environment instead.` }] };
  const r = await requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: HOST,
    path: `/chat/completions?script=echo-edit&t=${tag}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(prompt),
    ca: t.caPem,
  });
  expect(r.status).toBe(200);
  return reassemble('chat', r.body);
}

describe('placeholder round trip (restoreInResponses on, the default)', () => {
  let t: TestEngine;
  const interactions: Interaction[] = [];
  const wire: string[] = [];
  let events: Awaited<ReturnType<typeof openEventStream>>;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    upstream.scripts.set('echo-edit', echoEdit);
    t = await startTestEngine(upstream);
    t.engine.bus.subscribe((e) => {
      if (e.type === 'interaction.completed') interactions.push(e.data);
    });
    events = await openEventStream(t.engine.controlUrl, t.engine.controlToken, (type, data) => wire.push(JSON.stringify({ type, data })));
  });
  afterAll(async () => {
    events?.close();
    await t?.stop();
    await upstream?.close();
  });

  it('gives the editor the real secret in oldString and text, never upstream, never in the record', async () => {
    const seen = await ask(t, 'on');
    const sent = upstream.requests.at(-1)!.body;
    expect(sent).not.toContain(STRIPE);
    const ph = PLACEHOLDER.exec(sent)![0];

    // (a) The edit applies: oldString is the text on disk.
    expect(seen.toolCalls).toHaveLength(1);
    const args = JSON.parse(seen.toolCalls[0]!.arguments) as { oldString: string };
    expect(args.oldString).toContain(STRIPE);
    expect(args.oldString).not.toContain('[MASKED:');
    expect(seen.text).toContain(STRIPE);
    expect(seen.text).not.toContain(ph);
    // (b) A fresh secret from the model is masked as before.
    expect(seen.text).not.toContain(FRESH_PAT);
    expect(seen.text).toMatch(/rotate \[MASKED:[^\]]+\] now/);
    // (c) A placeholder this engine did not produce stays as it is.
    expect(seen.text).toContain(FOREIGN);

    // The record, the store, the export and the live events keep the placeholder.
    await expect.poll(() => interactions.find((i) => i.path.includes('t=on'))).toBeTruthy();
    const rec = interactions.find((i) => i.path.includes('t=on'))!;
    expect(rec.restoredForEditor).toEqual({ restored: 2, collisions: 0 });
    expect(rec.toolCalls[0]!.arguments).toContain(ph);
    expect(rec.response).toContain(ph);
    await expect.poll(() => t.engine.auditStore.get(rec.id)).toBeTruthy();
    const stored = JSON.stringify(t.engine.auditStore.get(rec.id));
    expect(stored).toContain(ph);
    expect(stored).toContain('"restoredForEditor"');
    const exported = await fetch(`${t.engine.controlUrl}/api/v1/export?format=jsonl`, { headers: { authorization: `Bearer ${t.engine.controlToken}` } }).then((r) => r.text());
    expect(exported).toContain(ph);
    await expect.poll(() => wire.some((w) => w.includes('"interaction.completed"') && w.includes('t=on'))).toBe(true);
    for (const text of [stored, exported, wire.join('\n'), t.logs.join('\n')]) {
      expect(text).not.toContain(STRIPE);
      expect(text).not.toContain(FRESH_PAT);
    }
  });
});

describe('placeholder round trip turned off (masking.restoreInResponses: false)', () => {
  let t: TestEngine;
  let up: FakeUpstream;

  beforeAll(async () => {
    up = await startFakeUpstream();
    upstream = up;
    up.scripts.set('echo-edit', echoEdit);
    t = await startTestEngine(up, {}, {}, { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' }, masking: { restoreInResponses: false } });
  });
  afterAll(async () => {
    await t?.stop();
    await up?.close();
  });

  it('(d) the editor gets the placeholder, as before', async () => {
    const seen = await ask(t, 'off');
    const ph = PLACEHOLDER.exec(up.requests.at(-1)!.body)![0];
    const args = JSON.parse(seen.toolCalls[0]!.arguments) as { oldString: string };
    expect(args.oldString).toBe(`STRIPE_KEY=${ph}`);
    expect(seen.text).toContain(ph);
    expect(seen.text).not.toContain(STRIPE);
  });
});

describe('placeholder round trip on a held edit', () => {
  let t: TestEngine;
  let up: FakeUpstream;
  const requested: ApprovalView[] = [];

  beforeAll(async () => {
    up = await startFakeUpstream();
    upstream = up;
    up.scripts.set('echo-edit', echoEdit);
    t = await startTestEngine(up, {}, {}, { protectedPaths: ['**/.env*'], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' } });
    t.engine.bus.subscribe((e) => {
      if (e.type === 'approval.requested') requested.push(e.data);
    });
  });
  afterAll(async () => {
    await t?.stop();
    await up?.close();
  });

  it('the reviewer sees placeholders and "1 restored"; the hash binds those arguments; the editor gets the value', async () => {
    const answer = ask(t, 'held');
    await expect.poll(() => requested.find((a) => a.tool === 'replace_string_in_file'), { timeout: 30_000 }).toBeTruthy();
    const a = requested.find((x) => x.tool === 'replace_string_in_file')!;
    const ph = PLACEHOLDER.exec(up.requests.at(-1)!.body)![0];
    expect(a.arguments).toContain(ph);
    expect(a.arguments).not.toContain(STRIPE);
    expect(a.restoredForEditor).toBe(1);
    // The binding: the hash is over the masked arguments the reviewer saw.
    expect(a.argsHash).toBe(argsHash(a.tool, a.arguments));
    const client = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    await client.call('decide', { id: a.id, decision: 'approve', argsHash: a.argsHash });
    const seen = await answer;
    // The released bytes are exactly those arguments with our own placeholder restored.
    expect(seen.toolCalls[0]!.arguments).toBe(a.arguments.replace(ph, JSON.stringify(STRIPE).slice(1, -1)));
  });
});
