/**
 * Issue 20, bypass 3: once a `KEY=value` secret appeared mid-line, every later word was held
 * until a newline or the end of the stream, and the answer stalled. A hold is bounded by
 * what could still become a secret: after the value's terminator, each word is released in
 * the push that completes it, and the masked output is still the whole-text result.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { reassemble } from '../helpers/reassemble.js';
import { chatChunk, controlled, streamMasked, streamViaProxy } from '../helpers/streams.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });
const SECRET = 'sk_live_51Hq3kLmN8pQrStUvWxYz0123AbCdEfGh';
const ANSWER = `To rotate it, set STRIPE_KEY=${SECRET} and restart the service so the change takes effect, then run the tests again to confirm that payments work.`;

/** Pushes word by word (each word with the space after it); what came out after each push. */
function wordByWord(text: string) {
  const sm = new StreamingMasker(masker);
  const words = text.split(/(?<= )/);
  const steps = words.map((w, i) => ({ word: w, out: sm.push(w), held: sm.held, index: i }));
  return { words, steps, rest: sm.flush() };
}

describe('after a secret assignment mid-line', () => {
  it('every word after the terminator that follows the secret is released in the push that completes it', () => {
    const { words, steps, rest } = wordByWord(ANSWER);
    const secretWord = words.findIndex((w) => w.includes(SECRET));
    expect(secretWord).toBeGreaterThan(0);
    for (const s of steps.slice(secretWord + 1, -1)) expect({ word: s.word, held: s.held }).toEqual({ word: s.word, held: 0 });
    // The secret is masked and the output is exactly the whole-text result.
    const out = steps.map((s) => s.out).join('') + rest;
    expect(out).toBe(masker.mask(ANSWER).text);
    expect(out).toMatch(/set STRIPE_KEY=\[MASKED:stripe-secret-key:[0-9a-f]{4}\] and restart the service/);
    // By the word after the secret, the secret (masked) and that word are out.
    expect(steps.slice(0, secretWord + 2).map((s) => s.out).join('')).toMatch(/STRIPE_KEY=\[MASKED:stripe-secret-key:[0-9a-f]{4}\] and $/);
  });

  it('the same for a generic secret-named variable and for a quoted value', () => {
    for (const text of [
      'Use API_TOKEN=Zx9qPw3LmN8rT5vB2cY7kD4hJ6gF1sA0 and restart the service so it picks the change up, then run it again.',
      'Put "Zx9qPw3LmN8rT5vB2cY7kD4hJ6gF1sA0" into the vault and restart the service so it picks the change up, then run it again.',
    ]) {
      const { steps, rest } = wordByWord(text);
      const after = steps.findIndex((s) => s.word.startsWith('and'));
      for (const s of steps.slice(after, -1)) expect({ word: s.word, held: s.held }).toEqual({ word: s.word, held: 0 });
      expect(steps.map((s) => s.out).join('') + rest).toBe(masker.mask(text).text);
    }
  });

  it('still holds a value while the words after it may call it a secret, and masks it when they do', () => {
    const value = 'Zx9qPw3LmN8rT5vB2cY7kD4hJ6gF1sA0';
    for (const tail of ['is my Stripe API key.', 'is the GitHub token, rotate it.']) {
      const text = `Here: ${value} ${tail}`;
      const { steps, rest } = wordByWord(text);
      const out = steps.map((s) => s.out).join('') + rest;
      expect(out).toBe(masker.mask(text).text);
      expect(out).not.toContain(value);
    }
    // Names between the value and the key word are names (or say which key), not any words.
    expect(masker.mask(`${value} is my personal token`).text).not.toContain(value);
    expect(masker.mask(`${value} and restart token`).text).toContain(value);
    // A value alone on its line, named on the next one.
    const own = `${value}\n^ that's the staging API key, rotate it`;
    const { steps, rest } = wordByWord(own);
    expect(steps.map((s) => s.out).join('') + rest).toBe(masker.mask(own).text);
    expect(masker.mask(own).text).not.toContain(value);
  });

  // Text made of what the after-value holds key on: values, names, the phrases' words.
  const pieces = [
    'Zx9qPw3LmN8rT5vB2cY7kD4hJ6gF1sA0', SECRET, 'a0e4cd1fb26138a183a1526be1707534', '"68971c9707a3d52ddcf4e0f8a4dd7a46"', 'STRIPE_KEY=', 'API_TOKEN=', ' is ', ' my ', 'a ', 'valid ', 'Stripe ', 'stripe ',
    'API key', 'api_key', ' key', 'token', 'password', 'secret', '\n', '\r\n', '^ ', "that's the ", "it's my ", 'and ', 'restart ', 'the ', ' ', '  ', '\t', '"', 'GitHub ', 'production ', 'credential', '. ',
  ];
  const textArb = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.stringMatching(/^[A-Za-z0-9+/_\-.]{1,40}$/)), { minLength: 1, maxLength: 30 }).map((xs) => xs.join(''));

  it('streaming gives the whole-text result for any text and any chunking (property)', () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }), (text, sizes) => {
        expect(streamMasked(masker, text, sizes)).toBe(masker.mask(text).text);
      }),
      { numRuns: 600, seed: 2026_1121 },
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

  it('words after a masked assignment reach the client while the stream is still open', async () => {
    const script = controlled();
    upstream.scripts.set('answer', script.handler);
    const s = streamViaProxy(t.engine.proxyPort, t.caPem, '/chat/completions?script=answer');
    const res = await script.response;
    const words = ANSWER.split(/(?<= )/);
    const upTo = words.findIndex((w) => w.startsWith('service'));
    for (const w of words.slice(0, upTo + 1)) res.write(chatChunk({ content: w }));
    // The stream is open, nothing more is sent: the answer up to "service" must arrive.
    await expect.poll(() => reassemble('chat', s.state.body).text, { timeout: 10_000 }).toMatch(/STRIPE_KEY=\[MASKED:stripe-secret-key:[0-9a-f]{4}\] and restart the service $/);
    expect(s.state.body).not.toContain(SECRET.slice(8));
    for (const w of words.slice(upTo + 1)) res.write(chatChunk({ content: w }));
    res.end(chatChunk({}, 'stop') + 'data: [DONE]\n\n');
    await s.finished;
    // The engine has its own masking key: the same answer, the secret replaced by its placeholder.
    expect(reassemble('chat', s.state.body).text.replace(/\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\]/, 'X')).toBe(ANSWER.replace(SECRET, 'X'));
  });
});
