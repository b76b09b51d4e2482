/**
 * Engine → central server, end to end with real parts: the real engine and proxy, the fake
 * Copilot upstream, a real oidc-provider (the user signs in; the device enrols itself with
 * the access token) and the real server (embedded PGlite). The server is down while the
 * first traffic flows and comes up afterwards: every record arrives exactly once, receipts
 * come back signed, and `witness verify` finds every receipted head in the local chain.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import type { ControlEvent } from '../../proxy/control/index.js';
import { ServerSearchPageSchema } from '../../proxy/model/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { runCli } from '../helpers/cli.js';
import { centralServerConfig, startCentralOidc, startSyncingEngine, stopCentral } from '../helpers/central.js';
import type { TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import type { TestOidcProvider } from '../helpers/oidc.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

const WORD = 'pelicanmarmalade';
let op: TestOidcProvider;
let upstream: FakeUpstream;
let t: TestEngine;
let server: RunningServer | null = null;
let dir: string;
let port: number;
const events: ControlEvent[] = [];

function chat(content: string) {
  return requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.business.githubcopilot.com',
    path: '/chat/completions?fixture=02-chat.response.sse.txt',
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content }] }),
    headers: { 'content-type': 'application/json' },
    ca: t.caPem,
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const serverConfig = () => centralServerConfig(op);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-sync-e2e-'));
  op = await startCentralOidc();
  upstream = await startFakeUpstream();
  // The server's keys exist before it first serves (IT pins them in managed config): start it once, then stop it.
  port = await freePort();
  const first = await startServer({ dataDir: join(dir, 'server'), config: serverConfig(), port, fetch: op.fetch });
  const keysFile = join(dir, 'server-keys.json');
  writeFileSync(keysFile, JSON.stringify(first.keys.jwks));
  await first.close();
  t = await startSyncingEngine(upstream, op, { server: `http://127.0.0.1:${port}`, serverKeys: keysFile, batchSize: 2, flushSeconds: 0.1 }, events);
}, 240_000);

afterAll(() => stopCentral({ t, server, upstream, op, dir }));

describe('engine → central server', () => {
  it('keeps records while the server is down, then delivers every one exactly once with signed receipts', async () => {
    for (let i = 0; i < 5; i++) expect((await chat(`explain ${WORD} number ${i}`)).status).toBe(200);
    await expect.poll(() => t.engine.status().audit.headSeq, { timeout: 30_000 }).toBe(5);
    await expect.poll(() => t.engine.status().sync.lastError, { timeout: 30_000 }).toMatch(/cannot reach/);
    expect(t.engine.status().sync).toMatchObject({ server: `http://127.0.0.1:${port}`, receiptedSeq: 0, waiting: 5 });

    server = await startServer({ dataDir: join(dir, 'server'), config: serverConfig(), port, fetch: op.fetch });
    await expect.poll(() => t.engine.status().sync.receiptedSeq, { timeout: 90_000, interval: 250 }).toBe(5);
    expect(t.engine.status().sync).toMatchObject({ state: 'idle', waiting: 0, lastError: null });
    expect(events.filter((e) => e.type === 'sync.receipt').length).toBeGreaterThanOrEqual(3); // batches of 2: 2+2+1

    // More traffic with the server up: within seconds.
    for (let i = 5; i < 8; i++) await chat(`explain ${WORD} number ${i}`);
    await expect.poll(() => t.engine.status().sync.receiptedSeq, { timeout: 60_000, interval: 250 }).toBe(8);

    const { accessToken } = await op.tokensFor('carol');
    const page = ServerSearchPageSchema.parse(
      await (await fetch(`${server.url}/api/v1/records?q=${WORD}&limit=100`, { headers: { authorization: `Bearer ${accessToken}` } })).json(),
    );
    expect(page.total).toBe(8);
    const ids = page.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(8);
    const store = await AuditStore.open({ dataDir: t.dataDir, readOnly: true });
    const local = store.recordsAfter(0, 100).map((r) => r.id);
    await store.close();
    expect(new Set(ids)).toEqual(new Set(local));
    expect(page.items.every((i) => i.identity?.email === 'alice@example.test' || i.identity === null)).toBe(true);
    const rows = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM records');
    expect(Number(rows[0]!.n)).toBe(8);

    const verify = await runCli(['verify', '--data-dir', t.dataDir, '--json']);
    const v = JSON.parse(verify.stdout) as { ok: boolean; receipts: number };
    expect(v).toMatchObject({ ok: true });
    expect(v.receipts).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
