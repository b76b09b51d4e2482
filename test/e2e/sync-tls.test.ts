/**
 * The server terminating TLS itself: `witness-server start --tls-cert/--tls-key` (the real
 * launcher, a child process) serves HTTPS with a certificate from a test CA, and the real
 * engine syncs to its https:// URL trusting that CA: records arrive, receipts come back. A
 * client that does not trust the CA cannot talk to it at all, and plain HTTP on that port
 * gets no answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerSearchPageSchema } from '../../proxy/model/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { fetchTrusting } from '../helpers/oidc-browser.js';
import { createTestRoot, issueLeaf } from '../helpers/pki.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

const BIN = fileURLToPath(new URL('../../bin/witness-server.js', import.meta.url));
const WORD = 'quokkaharmonica';
let op: TestOidcProvider;
let upstream: FakeUpstream;
let t: TestEngine;
let child: ChildProcess;
let dir: string;
let url: string;
let trusting: typeof fetch;

function runServer(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...op.childEnv, WITNESS_FROM_SOURCE: '1', DATABASE_URL: '' } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-sync-tls-'));
  op = await startOidcProvider({
    users: [
      { username: 'alice', email: 'alice@example.test', groups: ['engineering'] },
      { username: 'carol', email: 'carol@example.test', groups: ['auditors'] },
    ],
  });
  upstream = await startFakeUpstream();
  const ca = await createTestRoot('Witness Test Server Root');
  const leaf = await issueLeaf(ca, ['127.0.0.1']);
  writeFileSync(join(dir, 'server.crt'), leaf.certPem);
  writeFileSync(join(dir, 'server.key'), leaf.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ oidc: { issuer: op.issuer, audience: op.audience }, roles: { auditor: ['auditors'] } }));
  trusting = fetchTrusting(ca.certPem);

  const data = join(dir, 'server');
  const keys = runServer(['keys', '--data-dir', data, '--json']);
  let jwks = '';
  keys.stdout!.on('data', (d) => (jwks += d));
  expect(await new Promise((r) => keys.on('exit', r))).toBe(0);
  writeFileSync(join(dir, 'server-keys.json'), jwks);

  child = runServer(['start', '--data-dir', data, '--port', '0', '--config', join(dir, 'server.json'), '--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key')]);
  let out = '';
  url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`witness-server exited ${c}: ${out}`)));
  });

  t = await startTestEngine(
    upstream,
    {
      identity: { issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups' },
      sync: { server: url, serverKeys: join(dir, 'server-keys.json'), batchSize: 2, flushSeconds: 0.1 },
    },
    { identityFetch: op.fetch, syncFetch: trusting },
  );
  await t.engine.identityService.signInWithBrowser({
    open: async (u) => {
      void op.completeLogin(u, 'alice');
      return true;
    },
  });
}, 240_000);

afterAll(async () => {
  await t?.stop();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await upstream?.close();
  await op?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('witness-server with --tls-cert/--tls-key', () => {
  it('serves HTTPS only: an untrusting client and plain HTTP get nothing, a client trusting the CA gets answers', async () => {
    await expect(fetch(`${url}/api/v1/health`)).rejects.toThrow();
    const plain = await new Promise<string>((resolve) => {
      const req = http.get(url.replace('https:', 'http:') + '/api/v1/health', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (e) => resolve(`failed: ${e.message}`));
      req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    });
    expect(plain).toMatch(/^failed/);
    expect(await (await trusting(`${url}/api/v1/health`)).json()).toEqual({ ok: true });
  });

  it('receives the engine’s records over TLS and answers with receipts', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await requestViaProxy({
        proxyPort: t.engine.proxyPort,
        host: 'api.business.githubcopilot.com',
        path: '/chat/completions?fixture=02-chat.response.sse.txt',
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: `explain ${WORD} ${i}` }] }),
        headers: { 'content-type': 'application/json' },
        ca: t.caPem,
      });
      expect(r.status).toBe(200);
    }
    await expect.poll(() => t.engine.status().sync.receiptedSeq, { timeout: 90_000, interval: 250 }).toBe(3);
    expect(t.engine.status().sync).toMatchObject({ server: url, state: 'idle', waiting: 0, lastError: null });
    const { accessToken } = await op.tokensFor('carol');
    const page = ServerSearchPageSchema.parse(await (await trusting(`${url}/api/v1/records?q=${WORD}&limit=10`, { headers: { authorization: `Bearer ${accessToken}` } })).json());
    expect(page.total).toBe(3);
  }, 240_000);
});
