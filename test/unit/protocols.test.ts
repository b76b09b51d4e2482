import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { adapterFor, SseAdapterTransform, type EndpointKind } from '../../proxy/protocols/index.js';
import { assertSameExceptMasked, reassemble } from '../helpers/reassemble.js';
import { fx } from '../helpers/fixtures.js';
import { cut, splitAt, throughTransform } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

const STREAMS: Array<{ file: string; kind: EndpointKind; as: 'chat' | 'completion' | 'responses' | 'messages'; expected?: string }> = [
  { file: '01-completion.response.sse.txt', kind: 'completion', as: 'completion' },
  { file: '02-chat.response.sse.txt', kind: 'chat', as: 'chat' },
  { file: '03-agent.response-toolcalls.sse.txt', kind: 'chat', as: 'chat', expected: '03-agent.expected-tool-calls.json' },
  { file: '04-responses.response-toolcalls.sse.txt', kind: 'responses', as: 'responses', expected: '04-responses.expected-tool-calls.json' },
  { file: '05-messages.response-tooluse.sse.txt', kind: 'messages', as: 'messages' },
];

/** Runs a body through the adapter transform in the given chunks; returns the client's bytes. */
async function run(kind: EndpointKind, chunks: Buffer[], mask: boolean) {
  const { bytes, adapter } = await throughTransform(kind, chunks, mask ? masker : null);
  return { body: bytes.toString('utf8'), adapter };
}

const sameExceptMasked = assertSameExceptMasked;

describe('protocol adapters on the Copilot fixtures', () => {
  for (const s of STREAMS) {
    it(`${s.file}: with masking off, the client gets the exact bytes`, async () => {
      const raw = fx(s.file);
      const { body } = await run(s.kind, [Buffer.from(raw)], false);
      expect(body).toBe(raw);
    });

    it(`${s.file}: with masking on, planted secrets are gone and the content is otherwise the same`, async () => {
      const raw = fx(s.file);
      const { body, adapter } = await run(s.kind, [Buffer.from(raw)], true);
      expect(body).not.toMatch(/sk_live_51FAKE|gho_FAKE|ghp_/);
      const before = reassemble(s.as, raw);
      const after = reassemble(s.as, body);
      sameExceptMasked(after.text, before.text);
      expect(after.toolCalls.map((c) => c.name)).toEqual(before.toolCalls.map((c) => c.name));
      after.toolCalls.forEach((c, i) => {
        expect(() => JSON.parse(c.arguments)).not.toThrow();
        sameExceptMasked(c.arguments, before.toolCalls[i]!.arguments);
      });
      expect(adapter.summary.toolCalls.map((c) => c.arguments)).toEqual(after.toolCalls.map((c) => c.arguments));
      if (s.expected) {
        const exp = JSON.parse(fx(s.expected)) as Array<{ name: string; arguments: string }>;
        expect(after.toolCalls.map((c) => c.name)).toEqual(exp.map((e) => e.name));
        after.toolCalls.forEach((c, i) => sameExceptMasked(c.arguments, exp[i]!.arguments));
      }
    });

    it(`${s.file}: any chunking gives the same client bytes (property)`, async () => {
      const raw = Buffer.from(fx(s.file));
      const whole = (await run(s.kind, [raw], true)).body;
      const wholeOff = (await run(s.kind, [raw], false)).body;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: raw.length }), { maxLength: 40 }), async (cuts) => {
          const chunks = splitAt(raw, cuts);
          expect((await run(s.kind, chunks, true)).body).toBe(whole);
          expect((await run(s.kind, chunks, false)).body).toBe(wholeOff);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('reports the expected tool calls for the agent fixture, masked', async () => {
    const { adapter } = await run('chat', [Buffer.from(fx('03-agent.response-toolcalls.sse.txt'))], true);
    expect(adapter.summary.toolCalls.map((c) => c.name)).toEqual(['replace_string_in_file', 'run_in_terminal']);
    expect(adapter.summary.finishReason).toBe('tool_calls');
    expect([...adapter.maskings.keys()]).toContain('stripe-secret-key');
  });
});

describe('generic event streams', () => {
  it('every detector has a keyword, so keyword-free events can safely skip parsing', async () => {
    const { ALL_DETECTORS } = await import('../../proxy/masking/index.js');
    expect(ALL_DETECTORS.filter((d) => d.keywords.length === 0 || d.keywords.includes(''))).toEqual([]);
  });

  it('still masks secrets in other event streams, including \\u-escaped ones', async () => {
    const body =
      `data: ${JSON.stringify({ note: 'plain event, nothing here' })}\n\n` +
      `data: ${JSON.stringify({ note: 'key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' })}\n\n` +
      'data: {"note":"\\u0067hp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}\n\n';
    const { body: out } = await run('other', [Buffer.from(body)], true);
    expect(out.split('\n\n')[0]).toBe(`data: ${JSON.stringify({ note: 'plain event, nothing here' })}`);
    expect(out).not.toContain('A1b2C3d4E5f6');
    expect(out.match(/\[MASKED:github-pat:[0-9a-f]{4}\]/g)).toHaveLength(2);
  });
});

describe('generic event streams, a chunk of many events checked at once', () => {
  const clean = (i: number) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `tok${i} ${'x'.repeat(i * 7)}` } }], n: i })}\n\n`;
  const secret = `data: ${JSON.stringify({ note: 'key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' })}\n\n`;

  it('gives any chunking the same bytes and counts as one event per chunk, with a secret anywhere or nowhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), async (at, withSecret, cuts) => {
        const events = Array.from({ length: 12 }, (_, i) => clean(i));
        if (withSecret) events.splice(at, 0, secret);
        const body = Buffer.from(events.join(''));
        const one = await run('other', events.map((e) => Buffer.from(e)), true);
        const chunked = await run('other', splitAt(body, cuts), true);
        expect(chunked.body).toBe(one.body);
        expect([...chunked.adapter.maskings]).toEqual([...one.adapter.maskings]);
        expect(chunked.body.includes('A1b2C3d4E5f6')).toBe(false);
        if (!withSecret) expect(chunked.body).toBe(body.toString('utf8'));
      }),
      { seed: 1313, numRuns: 60 },
    );
  });

  it('forwards a chunk of keyword-free events without stepping them one by one', async () => {
    const adapter = adapterFor('other', { masker });
    let steps = 0;
    const step = adapter.step.bind(adapter);
    adapter.step = (ev) => (steps++, step(ev));
    const t = new SseAdapterTransform(adapter);
    const out: Buffer[] = [];
    t.on('data', (d: Buffer) => out.push(Buffer.from(d)));
    const body = Array.from({ length: 8 }, (_, i) => clean(i)).join('');
    t.write(Buffer.from(body));
    t.write(Buffer.from(clean(9) + secret));
    t.end();
    await new Promise((r) => t.on('end', r));
    expect(steps).toBe(2); // the first chunk passed whole; the second (with a secret) went event by event
    expect(Buffer.concat(out).toString('utf8').startsWith(body + clean(9))).toBe(true);
  });

  it('counts a secret in the record view when the client gets the stream unmasked', async () => {
    const body = Buffer.from([clean(1), clean(2), secret, clean(3)].join(''));
    const t = new SseAdapterTransform(adapterFor('other', { masker: null }), adapterFor('other', { masker }));
    const out: Buffer[] = [];
    t.on('data', (d: Buffer) => out.push(Buffer.from(d)));
    const done = new Promise((r) => t.on('end', r));
    t.end(body);
    await done;
    expect(Buffer.concat(out).toString('utf8')).toBe(body.toString('utf8'));
    expect(t.record!.maskings.get('github-pat')).toBe(1);
  });
});

describe('secrets split across events', () => {
  const chatEvent = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const pem =
    '-----BEGIN RSA PRIVATE KEY-----\n' +
    Array.from({ length: 12 }, (_, i) => 'MIIEowIBAAKCAQEA' + String(i).padStart(2, '0') + 'x8VmN2bQ9rT5uW1yZ3aC6dE7fG0hJ4kL').join('\n') +
    '\n-----END RSA PRIVATE KEY-----';
  const secrets = ['ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8', 'sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU', 'AKIAIOSFODNN7ABCDEFG', pem];

  for (const secret of secrets) {
    it(`masks ${secret.slice(0, 14)}… split across 2..30 events`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 30 }), fc.array(fc.nat(), { minLength: 29, maxLength: 29 }), async (n, seeds) => {
          const text = `Here you go: ${secret} — keep it safe.`;
          const pieces = cut(text, n, seeds);
          const body = pieces.map(chatEvent).join('') + `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;
          const { body: out } = await run('chat', [Buffer.from(body)], true);
          const seen = reassemble('chat', out);
          expect(seen.text).not.toContain(secret.slice(4, 20));
          expect(seen.text).toMatch(/^Here you go: \[MASKED:[a-z0-9-]+:[0-9a-f]{4}\] — keep it safe\.$/);
        }),
        { numRuns: 25 },
      );
    });
  }
});

describe('SSE framing', () => {
  // Events as a server may write them: any line end (LF, CRLF, CR), comments, event and id
  // fields, several data lines, non-ASCII text.
  const line = fc.array(fc.constantFrom('a', 'Z', '7', ' ', '{', '}', '"', ':', ',', 'é', '€', '😀'), { maxLength: 30 }).map((cs) => cs.join(''));
  const eventArb = fc.record({
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    comment: fc.option(line, { nil: undefined }),
    event: fc.option(fc.stringMatching(/^[a-z_.]{1,12}$/), { nil: undefined }),
    id: fc.option(fc.stringMatching(/^[0-9]{1,4}$/), { nil: undefined }),
    data: fc.array(line, { minLength: 0, maxLength: 3 }),
  });
  const encode = (e: { eol: string; comment?: string; event?: string; id?: string; data: string[] }) =>
    (e.comment !== undefined ? `:${e.comment}${e.eol}` : '') +
    (e.event !== undefined ? `event: ${e.event}${e.eol}` : '') +
    (e.id !== undefined ? `id: ${e.id}${e.eol}` : '') +
    e.data.map((d) => `data: ${d}${e.eol}`).join('') +
    e.eol;

  it('gives the same events, byte for byte, under any chunking and any line ends (property)', async () => {
    const { SseParser } = await import('../../proxy/protocols/sse.js');
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (events, cuts) => {
        const text = events.map(encode).join('');
        const bytes = Buffer.from(text, 'utf8');
        const whole = new SseParser();
        const expected = [...whole.push(bytes), ...whole.end()];
        const chunked = new SseParser();
        const got = splitAt(bytes, cuts).flatMap((c) => chunked.push(c));
        got.push(...chunked.end());
        expect(got).toEqual(expected);
        // Raw texts rebuild the stream exactly; each event's fields are the ones written.
        expect(got.map((e) => e.raw).join('')).toBe(text);
        const withData = events.filter((e) => e.data.length > 0);
        expect(got.filter((e) => e.data !== null).map((e) => e.data)).toEqual(withData.map((e) => e.data.join('\n')));
        expect(got.filter((e) => e.data !== null).map((e) => e.event)).toEqual(withData.map((e) => e.event ?? null));
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
