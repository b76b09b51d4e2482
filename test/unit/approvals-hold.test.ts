/**
 * The holding transform in memory, fed the Copilot fixtures through the real adapters:
 * where it cuts (the first piece of the first call, no later, no earlier), what an allow
 * releases (exactly the unheld bytes), what a denial leaves, and what the masked view
 * policy judges when the client gets unmasked bytes.
 */
import { describe, expect, it } from 'vitest';
import { HoldingSseTransform, type HoldOptions } from '../../proxy/approvals/index.js';
import { Masker } from '../../proxy/masking/index.js';
import type { ToolDecision } from '../../proxy/policy/index.js';
import { adapterFor, familyFor, SseAdapterTransform, type EndpointKind } from '../../proxy/protocols/index.js';
import { fx } from '../helpers/fixtures.js';
import { reassemble } from '../helpers/reassemble.js';
import { runHeld } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 3) });
const decision = (d: 'allow' | 'deny' | 'ask', tool: string): ToolDecision => ({ decision: d, ruleIds: [`r:${tool}`], reasons: ['test'], operation: { tool, class: 'unknown', paths: [], commands: [], urls: [], unparsable: false, previews: [] } });

const STREAMS: Array<[EndpointKind & ('chat' | 'responses' | 'messages'), string]> = [
  ['chat', '03-agent.response-toolcalls.sse.txt'],
  ['responses', '04-responses.response-toolcalls.sse.txt'],
  ['messages', '05-messages.response-tooluse.sse.txt'],
];

async function unheld(kind: EndpointKind, body: string, m: Masker | null): Promise<string> {
  const t = new SseAdapterTransform(adapterFor(kind, { masker: m }));
  let out = '';
  t.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise((r) => t.on('end', r));
  t.end(Buffer.from(body));
  await done;
  return out;
}

describe('HoldingSseTransform', () => {
  for (const [kind, file] of STREAMS) {
    it(`${kind}: text before the first call goes out live, the call is held from its first event`, async () => {
      const body = fx(file);
      const run = await runHeld(kind, body, masker, () => 'deny');
      const full = await unheld(kind, body, masker);
      // What went out before the end is a prefix of the unheld output, carries no call, and stops right before one.
      expect(full.startsWith(run.beforeEnd)).toBe(true);
      expect(reassemble(kind, run.beforeEnd).toolCalls).toEqual([]);
      const next = full.slice(run.beforeEnd.length);
      const firstEvent = next.slice(0, next.search(/\r?\n\r?\n/) + 2);
      expect(reassemble(kind, run.beforeEnd + firstEvent).toolCalls.length).toBeGreaterThan(0);
    });

    it(`${kind}: every call allowed releases exactly the bytes an unheld stream sends`, async () => {
      const body = fx(file);
      const run = await runHeld(kind, body, masker, () => 'allow');
      expect(run.body).toBe(await unheld(kind, body, masker));
      expect(run.judged.length).toBe(reassemble(kind, body).toolCalls.length);
    });

    it(`${kind}: a denied call never reaches the client, and the client is told why`, async () => {
      const run = await runHeld(kind, fx(file), masker, () => 'deny');
      const seen = reassemble(kind, run.body);
      expect(seen.toolCalls).toEqual([]);
      expect(seen.text).toMatch(/Witness blocked .* before it reached your editor/);
    });
  }

  it('judges the masked view when the client gets unmasked bytes; waits for an approval, then releases', async () => {
    const kind = 'chat';
    const secret = 'sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU';
    const body = fx('03-agent.response-toolcalls.sse.txt').replace('Run the unit te', `Run the unit tests with ${secret} te`);
    const judged: string[] = [];
    let approve: (() => void) | null = null;
    const opts: HoldOptions = {
      family: { rewriteDenied: familyFor(kind).rewriteDenied! },
      evaluate: (tool, args) => {
        judged.push(args);
        return decision(tool === 'run_in_terminal' ? 'ask' : 'allow', tool);
      },
      requestApproval: ({ tool, arguments: args }) => ({
        approval: { id: 'a1', tool, arguments: args } as any,
        outcome: new Promise((r) => {
          approve = () => r('approved');
        }),
      }),
      cancel: () => undefined,
      keepAliveMs: 10,
    };
    const h = new HoldingSseTransform(adapterFor(kind, { masker: null }), opts, adapterFor(kind, { masker }));
    let out = '';
    h.on('data', (d: Buffer) => (out += d.toString()));
    const ended = new Promise((r) => h.on('end', r));
    h.end(Buffer.from(body));
    await new Promise<void>((r) => {
      const poll = () => (approve && out.includes(': witness: waiting for approval') ? r() : setTimeout(poll, 5));
      poll();
    });
    expect(judged.join('\n')).not.toContain(secret);
    expect(judged.join('\n')).toMatch(/\[MASKED:stripe/);
    approve!();
    await ended;
    expect(h.trail.map((c) => c.verdict)).toEqual(['allowed', 'approved']);
    // Masking off for the client: it gets the call as sent.
    expect(reassemble(kind, out).toolCalls.find((c) => c.name === 'run_in_terminal')!.arguments).toContain(secret);
  });

  it('a transform destroyed while a call waits cancels its approval', async () => {
    const cancelled: string[] = [];
    const h = new HoldingSseTransform(adapterFor('messages', { masker }), {
      family: { rewriteDenied: familyFor('messages').rewriteDenied! },
      evaluate: (tool) => decision('ask', tool),
      requestApproval: ({ tool, arguments: args }) => ({ approval: { id: 'm1', tool, arguments: args } as any, outcome: new Promise(() => undefined) }),
      cancel: (id) => void cancelled.push(id),
    });
    h.on('data', () => undefined);
    h.write(Buffer.from(fx('05-messages.response-tooluse.sse.txt')));
    await new Promise((r) => setImmediate(r));
    expect(h.trail[0]).toMatchObject({ verdict: 'pending' });
    h.destroy();
    expect(cancelled).toEqual(['m1']);
    expect(h.trail[0]).toMatchObject({ verdict: 'cancelled' });
  });
});
