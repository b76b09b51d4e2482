/**
 * Scale-out: two server nodes (separate processes' worth of state: separate data dirs, one
 * passphrase) on one real PostgreSQL. A device alternates between them, sometimes sending
 * the same batch to both at once: no record is lost or stored twice, and the server holds
 * one chain (the device's row lock serializes ingest across nodes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { openReceipt, nextBatch, pinnedKeys, publicJwkOf, sealBatch } from '../../proxy/sync/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { interaction } from '../helpers/interactions.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let op: TestOidcProvider;
let pg: TestPostgres;
let nodes: RunningServer[] = [];
let store: AuditStore;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-nodes-'));
  op = await startOidcProvider({ users: [{ username: 'alice', groups: ['engineering'] }] });
  pg = await startPostgres();
  const url = await pg.createDatabase('fleet');
  const env = { ...process.env, WITNESS_SERVER_PASSPHRASE: 'one passphrase for the fleet' };
  const config = { oidc: { issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null }, roles: { auditor: [], admin: [] }, database: { url } };
  // Started together: migrations and key creation race, and must happen once.
  nodes = await Promise.all([1, 2].map((n) => startServer({ dataDir: join(dir, `node${n}`), config, fetch: op.fetch, env })));
  store = await AuditStore.open({ dataDir: join(dir, 'device'), device: 'dev-fleet', user: 'alice' });
}, 240_000);

afterAll(async () => {
  for (const n of nodes) await n.close();
  await store?.close();
  await op?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('serves one fleet from two nodes on one PostgreSQL: no loss, no duplicate, one chain', async () => {
  const jwks = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/api/v1/keys`)).json()));
  expect(jwks[0]).toEqual(jwks[1]); // one key set for the fleet
  const keys = pinnedKeys(jwks[0]);
  const { accessToken } = await op.tokensFor('alice');
  const key = { privateKey: store.deviceSigningKey.privateKey, publicJwk: publicJwkOf(store.deviceSigningKey.privateKey) };
  const enrol = await fetch(`${nodes[0]!.url}/api/v1/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ device: store.device, publicKey: key.publicJwk }),
  });
  expect(enrol.status).toBe(201);
  let head = store.pruned;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 7; i++) await store.append(interaction({ prompt: `round ${round} item ${i}` }));
    const batch = nextBatch(store, head, 5)!;
    const body = await sealBatch(batch, key, keys);
    // Odd rounds: the same batch to both nodes at once (a retry through the load balancer).
    const targets = round % 2 ? nodes : [nodes[round % 4 === 0 ? 0 : 1]!];
    const answers = await Promise.all(
      targets.map(async (n) => {
        const r = await fetch(`${n.url}/api/v1/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
        return { status: r.status, json: (await r.json()) as { receipt?: string; error?: { code: string } } };
      }),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((a) => a.status !== 200)) expect(a.json.error!.code).toMatch(/^BATCH_(REPLAY|DUPLICATE)$/);
    const r = await openReceipt(answers.find((a) => a.status === 200)!.json.receipt!, keys);
    head = { seq: r.seq, hash: r.hash };
    // The rest of this round's records through the other node.
    while (head.seq < store.head.seq) {
      const rest = nextBatch(store, head, 5)!;
      const n = nodes[(round + 1) % 2]!;
      const res = await fetch(`${n.url}/api/v1/ingest`, { method: 'POST', body: await sealBatch(rest, key, keys), headers: { 'content-type': 'application/jose' } });
      expect(res.status).toBe(200);
      const rr = await openReceipt(((await res.json()) as { receipt: string }).receipt, keys);
      head = { seq: rr.seq, hash: rr.hash };
    }
  }
  const db = nodes[0]!.db;
  const [counts] = await db.query<{ n: string; d: string; max: string }>('SELECT count(*) AS n, count(DISTINCT id) AS d, max(seq) AS max FROM records WHERE device = $1', [store.device]);
  expect(Number(counts!.n)).toBe(70);
  expect(Number(counts!.d)).toBe(70);
  expect(Number(counts!.max)).toBe(70);
  const [dev] = await db.query<{ head_seq: string; head_hash: string }>('SELECT head_seq, head_hash FROM devices WHERE device = $1', [store.device]);
  expect({ seq: Number(dev!.head_seq), hash: dev!.head_hash }).toEqual(store.head);
  // One chain: every stored record links to the one before.
  const rows = await db.query<{ seq: string; body: string }>('SELECT seq, body FROM records WHERE device = $1 ORDER BY seq', [store.device]);
  let prev = '0'.repeat(64);
  for (const row of rows) {
    const r = JSON.parse(row.body) as { prevHash: string; hash: string };
    expect(r.prevHash).toBe(prev);
    prev = r.hash;
  }
}, 240_000);
