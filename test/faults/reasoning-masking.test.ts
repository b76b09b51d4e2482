/**
 * Issue 20, bypass 2: a secret split over many reasoning (or refusal) deltas reached the
 * client whole. Every text channel a protocol streams is masked with the same streaming
 * masker, and every final payload carries exactly the masked text that was streamed.
 * Signatures and encrypted reasoning are opaque and never altered.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { chatChunk, cut, events, replay, runAdapter, sse, streamViaProxy } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });
const SECRETS = ['ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8', 'sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU', 'AKIAIOSFODNN7ABCDEFG', 'xoxb-2048765432-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'];
const said = (secret: string) => `The config still uses ${secret} — that has to be rotated before release.`;
const SAID_MASKED = /^The config still uses \[MASKED:[a-z0-9-]+:[0-9a-f]{4}\] — that has to be rotated before release\.$/;
/** Opaque blobs that happen to contain a token: never to be touched. */
const ENCRYPTED = 'gAAAAA-opaque-ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2-end';
const SIGNATURE = 'EqQBCkYIBxgCKkBghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2sig==';

/** Arbitrary: a secret and how each channel's text is cut into 2..30 events. */
const splits = fc.record({
  secret: fc.constantFrom(...SECRETS),
  n: fc.integer({ min: 2, max: 30 }),
  seeds: fc.array(fc.nat(), { minLength: 29, maxLength: 29 }),
});
const RUNS = { numRuns: 40, seed: 2026_0020 };

function responsesReasoning(text: string, n: number, seeds: number[]): string {
  const parts = cut(text, n, seeds);
  const reasoningItem = { id: 'rs_T', type: 'reasoning', summary: [{ type: 'summary_text', text }], content: [{ type: 'reasoning_text', text }], encrypted_content: ENCRYPTED };
  const refusalItem = { id: 'msg_T', type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: text }] };
  return (
    sse({ type: 'response.created', response: { id: 'resp_T', model: 'gpt-test', output: [] } }) +
    sse({ type: 'response.output_item.added', output_index: 0, item: { id: 'rs_T', type: 'reasoning', summary: [], content: [], encrypted_content: ENCRYPTED } }) +
    parts.map((delta) => sse({ type: 'response.reasoning_text.delta', item_id: 'rs_T', output_index: 0, content_index: 0, delta })).join('') +
    sse({ type: 'response.reasoning_text.done', item_id: 'rs_T', output_index: 0, content_index: 0, text }) +
    sse({ type: 'response.content_part.done', item_id: 'rs_T', output_index: 0, content_index: 0, part: { type: 'reasoning_text', text } }) +
    parts.map((delta) => sse({ type: 'response.reasoning_summary_text.delta', item_id: 'rs_T', output_index: 0, summary_index: 0, delta })).join('') +
    sse({ type: 'response.reasoning_summary_text.done', item_id: 'rs_T', output_index: 0, summary_index: 0, text }) +
    sse({ type: 'response.reasoning_summary_part.done', item_id: 'rs_T', output_index: 0, summary_index: 0, part: { type: 'summary_text', text } }) +
    sse({ type: 'response.output_item.done', output_index: 0, item: reasoningItem }) +
    sse({ type: 'response.output_item.added', output_index: 1, item: { id: 'msg_T', type: 'message', role: 'assistant', content: [] } }) +
    parts.map((delta) => sse({ type: 'response.refusal.delta', item_id: 'msg_T', output_index: 1, content_index: 0, delta })).join('') +
    sse({ type: 'response.refusal.done', item_id: 'msg_T', output_index: 1, content_index: 0, refusal: text }) +
    sse({ type: 'response.content_part.done', item_id: 'msg_T', output_index: 1, content_index: 0, part: { type: 'refusal', refusal: text } }) +
    sse({ type: 'response.output_item.done', output_index: 1, item: refusalItem }) +
    sse({ type: 'response.completed', response: { id: 'resp_T', model: 'gpt-test', status: 'completed', output: [reasoningItem, refusalItem] } })
  );
}

/** What a Responses client reads on each channel, from the deltas and from every final payload. */
function responsesChannels(body: string) {
  const evs = events(body);
  const joined = (type: string) => evs.filter((e) => e.type === type).map((e) => e.delta as string).join('');
  const find = (pred: (e: any) => boolean) => evs.find(pred);
  const itemDone = (type: string) => find((e) => e.type === 'response.output_item.done' && e.item.type === type).item;
  const completed = find((e) => e.type === 'response.completed').response.output;
  return {
    reasoning: {
      streamed: joined('response.reasoning_text.delta'),
      finals: [
        find((e) => e.type === 'response.reasoning_text.done').text,
        find((e) => e.type === 'response.content_part.done' && e.part.type === 'reasoning_text').part.text,
        itemDone('reasoning').content[0].text,
        completed[0].content[0].text,
      ],
    },
    summary: {
      streamed: joined('response.reasoning_summary_text.delta'),
      finals: [find((e) => e.type === 'response.reasoning_summary_text.done').text, find((e) => e.type === 'response.reasoning_summary_part.done').part.text, itemDone('reasoning').summary[0].text, completed[0].summary[0].text],
    },
    refusal: {
      streamed: joined('response.refusal.delta'),
      finals: [
        find((e) => e.type === 'response.refusal.done').refusal,
        find((e) => e.type === 'response.content_part.done' && e.part.type === 'refusal').part.refusal,
        itemDone('message').content[0].refusal,
        completed[1].content[0].refusal,
      ],
    },
    encrypted: [evs.find((e) => e.type === 'response.output_item.added').item.encrypted_content, itemDone('reasoning').encrypted_content, completed[0].encrypted_content],
  };
}

describe('Responses API: reasoning text, reasoning summary and refusal', () => {
  it('a secret split across 2..30 events on each channel comes out masked; the rest is byte-identical; final payloads carry exactly what was streamed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(splits, async ({ secret, n, seeds }) => {
        const { body } = await runAdapter('responses', responsesReasoning(said(secret), n, seeds), masker);
        expect(body).not.toContain(secret.slice(4, 18));
        const ch = responsesChannels(body);
        for (const c of [ch.reasoning, ch.summary, ch.refusal]) {
          expect(c.streamed).toMatch(SAID_MASKED);
          expect(c.finals).toEqual(c.finals.map(() => c.streamed));
        }
        expect(ch.encrypted).toEqual([ENCRYPTED, ENCRYPTED, ENCRYPTED]);
      }),
      RUNS,
    );
  });

  it('with masking off, the stream passes byte for byte', async () => {
    const raw = responsesReasoning(said(SECRETS[0]!), 12, Array.from({ length: 29 }, (_, i) => i * 7919));
    expect((await runAdapter('responses', raw, null)).body).toBe(raw);
  });
});

describe('chat completions: reasoning_content, reasoning and refusal deltas', () => {
  const stream = (text: string, n: number, seeds: number[]) =>
    chatChunk({ role: 'assistant', content: '' }) +
    ['reasoning_content', 'reasoning', 'refusal'].map((field) => cut(text, n, seeds).map((p) => chatChunk({ [field]: p })).join('')).join('') +
    chatChunk({ reasoning_opaque: ENCRYPTED }) +
    chatChunk({}, 'stop') +
    'data: [DONE]\n\n';

  it('a secret split across 2..30 events on each channel comes out masked; the rest is byte-identical (property)', async () => {
    await fc.assert(
      fc.asyncProperty(splits, async ({ secret, n, seeds }) => {
        const { body } = await runAdapter('chat', stream(said(secret), n, seeds), masker);
        expect(body).not.toContain(secret.slice(4, 18));
        const deltas = events(body).flatMap((e) => e.choices.map((c: any) => c.delta ?? {}));
        for (const field of ['reasoning_content', 'reasoning', 'refusal']) {
          expect(deltas.map((d: any) => d[field] ?? '').join('')).toMatch(SAID_MASKED);
        }
        expect(deltas.find((d: any) => d.reasoning_opaque)?.reasoning_opaque).toBe(ENCRYPTED);
      }),
      RUNS,
    );
  });
});

describe('Anthropic Messages: thinking deltas', () => {
  const stream = (text: string, n: number, seeds: number[]) =>
    sse({ type: 'message_start', message: { id: 'msg_T', model: 'claude-test', content: [] } }) +
    sse({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) +
    cut(text, n, seeds)
      .map((thinking) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking } }))
      .join('') +
    SIGNATURE_EVENT +
    sse({ type: 'content_block_stop', index: 0 }) +
    sse({ type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: ENCRYPTED } }) +
    sse({ type: 'content_block_stop', index: 1 }) +
    sse({ type: 'message_delta', delta: { stop_reason: 'end_turn' } }) +
    sse({ type: 'message_stop' });
  const SIGNATURE_EVENT = sse({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: SIGNATURE } });

  it('a secret split across 2..30 thinking deltas comes out masked; signatures and redacted thinking are untouched (property)', async () => {
    await fc.assert(
      fc.asyncProperty(splits, async ({ secret, n, seeds }) => {
        const { body } = await runAdapter('messages', stream(said(secret), n, seeds), masker);
        expect(body).not.toContain(secret.slice(4, 18));
        const evs = events(body);
        const thinking = evs.filter((e) => e.delta?.type === 'thinking_delta').map((e) => e.delta.thinking as string).join('');
        expect(thinking).toMatch(SAID_MASKED);
        expect(body).toContain(SIGNATURE_EVENT);
        expect(evs.find((e) => e.content_block?.type === 'redacted_thinking').content_block.data).toBe(ENCRYPTED);
        // The signature still comes after all of the thinking, as the client expects.
        expect(evs.findIndex((e) => e.delta?.type === 'signature_delta')).toBeGreaterThan(evs.findLastIndex((e) => e.delta?.type === 'thinking_delta'));
      }),
      RUNS,
    );
  });
});

describe('through the real proxy', () => {
  let upstream: FakeUpstream;
  let t: TestEngine;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    t = await startTestEngine(upstream);
  });
  afterAll(async () => {
    await t?.stop();
    await upstream?.close();
  });

  it('masks a token split over 30 reasoning_text deltas of a Responses stream', async () => {
    const secret = SECRETS[0]!;
    upstream.scripts.set('reasoning', replay(responsesReasoning(said(secret), 30, Array.from({ length: 29 }, (_, i) => 3 + i * 2))));
    const s = streamViaProxy(t.engine.proxyPort, t.caPem, '/responses?script=reasoning');
    await s.finished;
    expect(s.state.status).toBe(200);
    expect(s.state.body).not.toContain(secret.slice(4, 18));
    const ch = responsesChannels(s.state.body);
    for (const c of [ch.reasoning, ch.summary, ch.refusal]) {
      expect(c.streamed).toMatch(SAID_MASKED);
      expect(c.finals).toEqual(c.finals.map(() => c.streamed));
    }
  });
});
