/**
 * The paced bench's lean hop (test/bench/lean-hop.ts): a running engine's forward step and data
 * path behind Node's HTTP server instead of mockttp's. It is only a fair measurement of
 * "Witness's per-event work without mockttp" if it does Witness's work: the same masked bytes
 * as the engine's own proxy, the same upstream request, a record for each exchange, and each
 * event forwarded as it comes. No timing is asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../proxy/model/index.js';
import { ForwardStep } from '../../proxy/intercept/forward-step.js';
import { engineParts, startLeanHop } from '../bench/lean-hop.js';
import { startRawHop } from '../bench/raw-hop.js';
import { BodyReader } from '../bench/raw-http.js';
import type { Relay } from '../bench/relay.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { fx, headersOf } from '../helpers/fixtures.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let t: TestEngine;
let hop: Relay;
let raw: Relay;
const interactions: Interaction[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // As masking-proxy.test.ts: the response fixtures stream the key the request carries; no restore.
  t = await startTestEngine(upstream, {}, {}, { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' }, masking: { restoreInResponses: false } });
  t.engine.bus.subscribe((e) => {
    if (e.type === 'interaction.completed') interactions.push(e.data);
  });
  hop = await startLeanHop({ ForwardStep, parts: engineParts(t.engine), hostname: 'api.business.githubcopilot.com' });
  raw = await startRawHop({ hooks: engineParts(t.engine).hooks, upstreamPort: upstream.port, upstreamCa: upstream.root.certPem, hostname: 'api.business.githubcopilot.com' });
});
afterAll(async () => {
  await hop?.close();
  await raw?.close();
  await t?.stop();
  await upstream?.close();
});

const host = 'api.business.githubcopilot.com';
const viaEngine = (o: { path: string; method?: string; body?: string; headers?: Record<string, string> }) => requestViaProxy({ proxyPort: t.engine.proxyPort, host, ca: t.caPem, ...o });
const viaRaw = (o: { path: string }) => requestViaProxy({ proxyPort: raw.port, host, ca: raw.caPem, ...o });
const viaHop = (o: { path: string; method?: string; body?: string; headers?: Record<string, string> }) => requestViaProxy({ proxyPort: hop.port, host, ca: hop.caPem, ...o });

describe('the lean hop runs the engine\'s data path', () => {
  it('masks a request as the engine\'s proxy does: the upstream gets the same masked body', async () => {
    const body = fx('02-chat.request.json');
    const headers = { ...headersOf('02-chat.request-headers.http'), 'content-type': 'application/json' };
    const a = await viaEngine({ path: '/chat/completions?echo=1&t=lean-a', method: 'POST', body, headers });
    const b = await viaHop({ path: '/chat/completions?echo=1&t=lean-b', method: 'POST', body, headers });
    expect(b.status).toBe(200);
    const sent = (t: string) => upstream.requests.find((r) => r.url.includes(`t=${t}`))!.body;
    expect(sent('lean-b')).not.toBe(body);
    expect(sent('lean-b')).toBe(sent('lean-a'));
    expect(JSON.parse(b.body).body).toBe(JSON.parse(a.body).body);
  });

  it('masks a streamed response event by event, the same bytes as the engine\'s proxy, and records the exchange', async () => {
    const path = (t: string) => `/chat/completions?fixture=02-chat.response.sse.txt&ms=20&t=${t}`;
    const a = await viaEngine({ path: path('lean-sse-a'), method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const b = await viaHop({ path: path('lean-sse-b'), method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(b.status).toBe(200);
    expect(b.body).toBe(a.body);
    expect(b.body).not.toContain('sk_live_');
    // Forwarded as they come: the events are spread over the stream's ~20 ms pacing, not delivered at once.
    expect(b.eventTimes.length).toBeGreaterThan(3);
    expect(b.eventTimes.at(-1)! - b.eventTimes[0]!).toBeGreaterThan(20 * (b.eventTimes.length - 2) * 0.5);
    await expect.poll(() => interactions.find((i) => i.path.includes('t=lean-sse-b'))).toBeTruthy();
  });

  it('cuts a stream whose upstream breaks mid-body (no error form for it), as the engine\'s proxy does', async () => {
    const cut = /aborted|socket hang up|ECONNRESET|terminated/;
    await expect(viaEngine({ path: '/abort?after=3&t=lean-abort-a' })).rejects.toThrow(cut);
    await expect(viaHop({ path: '/abort?after=3&t=lean-abort-b' })).rejects.toThrow(cut);
  });
});

describe('the raw hop runs the engine\'s data path on the relay, HTTP framed by hand', () => {
  it('masks a streamed response event by event, the same bytes as the engine\'s proxy, and records the exchange', async () => {
    const path = (t: string) => `/chat/completions?fixture=02-chat.response.sse.txt&ms=20&t=${t}`;
    const a = await viaEngine({ path: path('raw-sse-a') });
    const b = await viaRaw({ path: path('raw-sse-b') });
    expect(b.status).toBe(200);
    expect(a.body).not.toContain('sk_live_');
    expect(b.body).toBe(a.body);
    expect(b.eventTimes.length).toBeGreaterThan(3);
    expect(b.eventTimes.at(-1)! - b.eventTimes[0]!).toBeGreaterThan(20 * (b.eventTimes.length - 2) * 0.5);
    await expect.poll(() => interactions.find((i) => i.path.includes('t=raw-sse-b'))).toBeTruthy();
  });

  it('carries a Content-Length body', async () => {
    const a = await viaEngine({ path: '/small?t=raw-small-a' });
    const b = await viaRaw({ path: '/small?t=raw-small-b' });
    expect(b.status).toBe(200);
    expect(b.body).toBe(a.body);
  });
});

describe('the raw hop\'s body reader', () => {
  const all = (r: BodyReader, parts: string[]) => parts.flatMap((p) => r.read(Buffer.from(p, 'latin1'))).map((b) => b.toString('latin1')).join('');
  it('undoes chunked framing however the bytes are split, and sees the end', () => {
    const wire = '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n';
    for (let cut = 1; cut < wire.length; cut++) {
      const r = new BodyReader('chunked');
      expect(all(r, [wire.slice(0, cut), wire.slice(cut)])).toBe('hello, world');
      expect(r.ended).toBe(true);
    }
    const open = new BodyReader('chunked');
    expect(all(open, ['5\r\nhello\r\n'])).toBe('hello');
    expect(open.ended).toBe(false);
  });
  it('reads a Content-Length body to its length', () => {
    const r = new BodyReader(5);
    expect(all(r, ['he', 'llo'])).toBe('hello');
    expect(r.ended).toBe(true);
  });
});
