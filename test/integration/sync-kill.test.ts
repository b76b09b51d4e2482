/**
 * The sync client SIGKILLed while its batches are in flight, then started again: the
 * server ends with every record exactly once (count and ids), one chain, and the device's
 * kept receipts cover its whole chain. Real parts: the audit store and SyncService in a
 * child process, the real server (PostgreSQL), a real oidc-provider's access token.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { readReceipts, readState } from '../../proxy/sync/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const CHILD = fileURLToPath(new URL('../helpers/sync-child.ts', import.meta.url));
let op: TestOidcProvider;
let pg: TestPostgres;
let server: RunningServer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-sync-kill-'));
  op = await startOidcProvider({ users: [{ username: 'alice', groups: ['engineering'] }] });
  pg = await startPostgres();
  server = await startServer({
    dataDir: join(dir, 'server'),
    config: { oidc: { issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null }, roles: { auditor: [], admin: [] }, database: { url: await pg.createDatabase('kill') } },
    fetch: op.fetch,
  });
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(server.keys.jwks));
  env = { DATA_DIR: join(dir, 'device'), SERVER: server.url, KEYS: join(dir, 'keys.json'), TOKEN: (await op.tokensFor('alice')).accessToken };
}, 240_000);

afterAll(async () => {
  await server?.close();
  await op?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function child(extra: Record<string, string>) {
  const c = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const lines = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const l = out.split('\n').find((x) => re.test(x));
        if (l) resolve(l);
      };
      c.stdout.on('data', (d) => {
        out += d;
        check();
      });
      c.on('exit', () => (check(), reject(new Error(`child exited before ${re}: ${out}`))));
    });
  const exited = new Promise<void>((r) => c.on('exit', () => r()));
  return { c, lines, exited };
}

it('loses nothing and stores nothing twice when the device is killed mid-batch', async () => {
  const first = child({ APPEND: '200' });
  await first.lines(/"receipt":10\b/); // the first batch is receipted; the next ones are in flight
  first.c.kill('SIGKILL');
  await first.exited;
  const before = readState(env.DATA_DIR!)?.receipted.seq ?? 0;
  expect(before).toBeLessThan(200);

  const second = child({ APPEND: '0' });
  const idle = JSON.parse(await second.lines(/"idle"/)) as { idle: { receiptedSeq: number; waiting: number } };
  await second.exited;
  expect(idle.idle).toMatchObject({ receiptedSeq: 200, waiting: 0 });

  const [c] = await server.db.query<{ n: string; d: string; max: string }>('SELECT count(*) AS n, count(DISTINCT id) AS d, max(seq) AS max FROM records WHERE device = $1', ['dev-killed']);
  expect([Number(c!.n), Number(c!.d), Number(c!.max)]).toEqual([200, 200, 200]);
  const store = await AuditStore.open({ dataDir: env.DATA_DIR!, readOnly: true });
  const local = new Set(store.recordsAfter(0, 1000).map((r) => r.id));
  await store.close();
  const remote = new Set((await server.db.query<{ id: string }>('SELECT id FROM records WHERE device = $1', ['dev-killed'])).map((r) => r.id));
  expect(remote).toEqual(local);
  expect(Math.max(...readReceipts(env.DATA_DIR!).map((r) => r.receipt.seq))).toBe(200);
}, 240_000);
