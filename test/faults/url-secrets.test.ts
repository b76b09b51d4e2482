/**
 * Issue 20.3: a secret in a request's URL (query string or path) was forwarded as sent
 * (fine) but kept in clear in the audit record's `path` and published in clear in
 * control-API events. URLs are masked, percent-decoded values included, before they are
 * recorded or published; the upstream still gets the URL unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Masker, maskUrl } from '../../proxy/masking/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openEventStream } from '../helpers/events.js';
import { fx } from '../helpers/fixtures.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

const PAT_IN_QUERY = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const AWS_IN_QUERY = 'AKIAQTB437GVLYHHS3DG';
const PAT_ENCODED = 'ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';
const AWS_IN_PATH = 'AKIAZ7XK2M4P6R8T3VQW';
const encodeAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** Every form a secret could leak in: as sent, percent-encoded (both ways), decoded. */
const LEAKS = [PAT_IN_QUERY, AWS_IN_QUERY, PAT_ENCODED, encodeAll(PAT_ENCODED), PAT_ENCODED.replace('_', '%5F'), AWS_IN_PATH];

let upstream: FakeUpstream;
let t: TestEngine;
const events: Array<{ type: string; data: unknown }> = [];
let stream: Awaited<ReturnType<typeof openEventStream>>;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
  stream = await openEventStream(t.engine.controlUrl, t.engine.controlToken, (type, data) => events.push({ type, data }));
});
afterAll(async () => {
  stream?.close();
  await t?.stop();
  await upstream?.close();
});

const exportText = async (format: string) => {
  const res = await fetch(`${t.engine.controlUrl}/api/v1/export?format=${format}`, { headers: { authorization: `Bearer ${t.engine.controlToken}` } });
  expect(res.status).toBe(200);
  return res.text();
};

describe('secrets in request URLs are masked wherever the URL is recorded or published', () => {
  const chatPath = `/chat/completions?fixture=02-chat.response.sse.txt&token=${PAT_IN_QUERY}&key=${AWS_IN_QUERY}&t=url-query&access=${encodeAll(PAT_ENCODED)}`;
  const enginePath = `/v1/engines/${AWS_IN_PATH}/completions?fixture=01-completion.response.sse.txt&t=url-path&alt=${PAT_ENCODED.replace('_', '%5F')}`;

  it('forwards both URLs unchanged and keeps them masked in records, events, exports and the log', async () => {
    const chat = await requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.business.githubcopilot.com',
      path: chatPath,
      method: 'POST',
      body: fx('02-chat.request.json'),
      headers: { 'content-type': 'application/json', referer: `https://github.com/settings?from=${encodeAll(PAT_ENCODED)}` },
      ca: t.caPem,
    });
    expect(chat.status).toBe(200);
    const completion = await requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'proxy.business.githubcopilot.com',
      path: enginePath,
      method: 'POST',
      body: fx('01-completion.request.json'),
      headers: { 'content-type': 'application/json' },
      ca: t.caPem,
    });
    expect(completion.status).toBe(200);

    // The upstream got exactly what the client sent.
    expect(upstream.requests.map((r) => r.url)).toEqual(expect.arrayContaining([chatPath, enginePath]));

    // Both exchanges are stored, and every event about them has arrived.
    await expect.poll(() => events.filter((e) => e.type === 'record.stored').length, { timeout: 10_000 }).toBe(2);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['exchange.started', 'exchange.completed', 'interaction.started', 'interaction.completed']) expect(types).toContain(type);

    const records = [...t.engine.auditStore.iterate()].map((r) => t.engine.auditStore.resolve(r));
    const chatRecord = records.find((r) => r.path.includes('t=url-query'))!;
    const engineRecord = records.find((r) => r.path.includes('t=url-path'))!;
    // Readable, with placeholders where the secrets were.
    expect(chatRecord.path).toMatch(
      /^\/chat\/completions\?fixture=02-chat\.response\.sse\.txt&token=\[MASKED:github-pat:[0-9a-f]{4}\]&key=\[MASKED:aws-access-key-id:[0-9a-f]{4}\]&t=url-query&access=\[MASKED:github-pat:[0-9a-f]{4}\]$/,
    );
    expect(engineRecord.path).toMatch(/^\/v1\/engines\/\[MASKED:aws-access-key-id:[0-9a-f]{4}\]\/completions\?fixture=.*&alt=\[MASKED:github-pat:[0-9a-f]{4}\]$/);
    expect(chatRecord.headers!.request).toContainEqual(['referer', expect.stringMatching(/^https:\/\/github\.com\/settings\?from=\[MASKED:github-pat:[0-9a-f]{4}\]$/)]);
    expect(engineRecord.model).not.toContain(AWS_IN_PATH); // the engine segment is also the model name
    // The URL's secrets are tallied like any other masked request text.
    expect(chatRecord.maskings).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'github-pat', where: 'request' }), expect.objectContaining({ type: 'aws-access-key-id', where: 'request' })]));

    const places: Record<string, string> = {
      records: JSON.stringify(records),
      events: JSON.stringify(events),
      jsonl: await exportText('jsonl'),
      har: await exportText('har'),
      ocsf: await exportText('ocsf'),
      log: t.logs.join('\n'),
    };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of LEAKS) expect(text, `${secret} in ${where}`).not.toContain(secret);
    }
    expect(places.har).toContain('[MASKED:github-pat:');
  });
});

describe('maskUrl', () => {
  const masker = new Masker({ key: Buffer.alloc(32, 7) });
  const mask = (u: string) => maskUrl(masker, u);

  it('leaves a URL without secrets exactly as it was, encoding included', () => {
    for (const u of ['/chat/completions', '/models?x=%20y&z=a%2Fb', '/p%C3%A4th/%E0%A4%A?q=%', '/?a=&=b&&c']) expect(mask(u)).toEqual({ text: u, findings: [] });
  });

  it('finds a secret encoded twice, and one whose parameter name is encoded', () => {
    const twice = mask(`/x?t=${PAT_IN_QUERY.replace('_', '%255F')}`);
    expect(twice.text).toMatch(/^\/x\?t=\[MASKED:github-pat:[0-9a-f]{4}\]$/);
    const named = mask('/x?api%5Fkey=abcd1234efgh5678ijkl&n=1');
    expect(named.text).toMatch(/^\/x\?api_key=\[MASKED:[a-z-]+:[0-9a-f]{4}\]&n=1$/);
  });

  it('keeps delimiters that were encoded inside a value encoded, so the masked URL reads the same way', () => {
    const r = mask(`/x?note=${encodeURIComponent(`a&b=c/d ${PAT_IN_QUERY}`)}&n=1`);
    expect(r.text).toMatch(/^\/x\?note=a%26b%3Dc%2Fd%20\[MASKED:github-pat:[0-9a-f]{4}\]&n=1$/);
    expect(r.findings.map((f) => f.type)).toEqual(['github-pat']);
  });

  it('masks a secret in a path segment, plain or encoded', () => {
    expect(mask(`/a/${AWS_IN_PATH}/b`).text).toMatch(/^\/a\/\[MASKED:aws-access-key-id:[0-9a-f]{4}\]\/b$/);
    expect(mask(`/a/${encodeAll(AWS_IN_PATH)}/b`).text).toMatch(/^\/a\/\[MASKED:aws-access-key-id:[0-9a-f]{4}\]\/b$/);
  });
});
