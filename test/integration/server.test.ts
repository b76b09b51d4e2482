/**
 * The central server with real parts: a real oidc-provider (HTTPS, loopback) issuing the
 * access tokens, real device stores (AuditStore) whose records are sent as the sync client
 * sends them, and the server's database both as embedded PGlite and as a real PostgreSQL
 * (a throwaway cluster, test/helpers/postgres.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { GENESIS, chainRecord } from '../../proxy/model/node.js';
import { ServerSearchPageSchema, type BatchPayload } from '../../proxy/model/index.js';
import { nextBatch, openReceipt, pinnedKeys, publicJwkOf, sealBatch, type PinnedKeys } from '../../proxy/sync/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { interaction } from '../helpers/interactions.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const WORD = 'zebrafishquartz';

class Device {
  constructor(
    readonly store: AuditStore,
    readonly keys: PinnedKeys,
  ) {}
  get key() {
    return { privateKey: this.store.deviceSigningKey.privateKey, publicJwk: publicJwkOf(this.store.deviceSigningKey.privateKey) };
  }
  async append(n: number, prompt = `please explain ${WORD}`) {
    for (let i = 0; i < n; i++) await this.store.append(interaction({ prompt, messages: [{ role: 'user', text: `${prompt} ${i}` }] }));
  }
  batch(from: { seq: number; hash: string }, max = 100): BatchPayload {
    return nextBatch(this.store, from, max)!;
  }
  seal(b: BatchPayload, key = this.key) {
    return sealBatch(b, key, this.keys);
  }
}

describe.each(['pglite', 'postgresql'] as const)('central server on %s', (kind) => {
  let op: TestOidcProvider;
  let pg: TestPostgres | null = null;
  let server: RunningServer;
  let dir: string;
  let keys: PinnedKeys;
  const tokens: Record<string, string> = {};
  const devices: Record<string, Device> = {};

  const api = (path: string, init: RequestInit & { as?: string } = {}) => {
    const as = init.as;
    return fetch(server.url + path, { ...init, headers: { ...(as ? { authorization: `Bearer ${tokens[as]!}` } : {}), ...(init.headers as Record<string, string>) } });
  };
  const ingest = async (body: string) => {
    const res = await api('/api/v1/ingest', { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const enrol = async (as: string, d: Device) => api('/api/v1/devices', { as, method: 'POST', body: JSON.stringify({ device: d.store.device, publicKey: d.key.publicJwk }) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `witness-server-${kind}-`));
    op = await startOidcProvider({
      users: [
        { username: 'alice', email: 'alice@example.test', groups: ['engineering'] },
        { username: 'bob', email: 'bob@example.test', groups: ['contractors'] },
        { username: 'carol', email: 'carol@example.test', groups: ['auditors'] },
      ],
    });
    let url: string | null = null;
    if (kind === 'postgresql') {
      pg = await startPostgres();
      url = await pg.createDatabase('server_test');
    }
    server = await startServer({
      dataDir: join(dir, 'server'),
      config: { oidc: { issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null }, roles: { auditor: ['auditors'], admin: [] }, database: { url } },
      fetch: op.fetch,
    });
    keys = pinnedKeys(await (await fetch(`${server.url}/api/v1/keys`)).json());
    for (const u of ['alice', 'bob', 'carol']) tokens[u] = (await op.tokensFor(u)).accessToken;
    for (const [name, user] of [
      ['a', 'alice'],
      ['b', 'bob'],
      ['x', 'alice'],
    ] as const)
      devices[name] = new Device(await AuditStore.open({ dataDir: join(dir, `device-${name}`), device: `dev-${name}-${kind}`, user }), keys);
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    for (const d of Object.values(devices)) await d.store.close();
    await op?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without a valid access token', async () => {
    expect((await api('/api/v1/records')).status).toBe(401);
    const bad = await api('/api/v1/records', { headers: { authorization: 'Bearer not.a.token' } });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).error.code).toBe('UNAUTHENTICATED');
  });

  it('enrols a device, stores its signed and encrypted batch, and answers with a receipt of the new head', async () => {
    const a = devices.a!;
    expect((await enrol('alice', a)).status).toBe(201);
    expect((await enrol('alice', a)).status).toBe(200); // the same key again: nothing changes
    await a.append(5);
    const wire = await a.seal(a.batch({ seq: 0, hash: GENESIS }));
    // What a TLS-inspecting middlebox would see: no prompt word, in the bytes or in their base64 parts.
    const decoded = wire.split('.').map((p) => Buffer.from(p, 'base64url').toString('latin1'));
    expect(wire).not.toContain(WORD);
    for (const part of decoded) {
      expect(part).not.toContain(WORD);
      for (const inner of part.split('.')) expect(Buffer.from(inner, 'base64url').toString('latin1')).not.toContain(WORD);
    }
    const r = await ingest(wire);
    expect(r.status).toBe(200);
    expect(r.json.stored).toBe(5);
    const receipt = await openReceipt(r.json.receipt, keys);
    expect(receipt).toMatchObject({ device: a.store.device, seq: 5, hash: a.store.head.hash, stored: 5 });
    // The receipt is bound to the server's pinned key: another key set refuses it.
    const other = await startServerKeysElsewhere();
    await expect(openReceipt(r.json.receipt, other)).rejects.toThrow();
    // The batch is kept as received, next to the searchable rows.
    // Stored compacted (the ciphertext as bytes, migration 10); batch_evidence gives back the bytes received.
    const evidence = await server.db.query<{ body: Uint8Array; frame: string | null }>('SELECT batch_evidence(body_frame, body) AS body, body_frame AS frame FROM batches WHERE device = $1 AND outcome = $2', [
      a.store.device,
      'accepted',
    ]);
    expect(evidence.every((e) => e.frame !== null)).toBe(true);
    expect(evidence.map((e) => Buffer.from(e.body).toString('utf8'))).toContain(wire);
  });

  it('searches with the public contract: {items, total}, each item with id, device, seq, time, identity and the masked prompt', async () => {
    const res = await api(`/api/v1/records?q=${WORD}&device=${devices.a!.store.device}&limit=3`, { as: 'alice' });
    expect(res.status).toBe(200);
    const page = ServerSearchPageSchema.parse(await res.json());
    expect(page.total).toBe(5);
    expect(page.items).toHaveLength(3);
    for (const item of page.items) {
      expect(item).toMatchObject({ device: devices.a!.store.device, prompt: `please explain ${WORD}` });
      expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(item.seq).toBeGreaterThan(0);
      expect('identity' in item).toBe(true);
    }
    const next = ServerSearchPageSchema.parse(await (await api(`/api/v1/records?q=${WORD}&device=${devices.a!.store.device}&limit=3&before=${page.nextBefore}`, { as: 'alice' })).json());
    expect(next.items).toHaveLength(2);
    const detail = await (await api(`/api/v1/records/${page.items[0]!.id}`, { as: 'alice' })).json();
    expect((detail as any).messages[0].text).toContain(WORD);
    const jsonl = await (await api(`/api/v1/export?format=jsonl&device=${devices.a!.store.device}`, { as: 'alice' })).text();
    expect(jsonl.trim().split('\n')).toHaveLength(5);
    const ocsf = (await (await api(`/api/v1/export?format=ocsf&device=${devices.a!.store.device}`, { as: 'alice' })).text()).trim().split('\n');
    expect(JSON.parse(ocsf[0]!).class_uid).toBeDefined();
  });

  it('refuses a replay, a duplicate, a tampered batch, a wrong key, a gap and a fork, flags each, and still accepts honest batches after', async () => {
    const a = devices.a!;
    const before = await a.seal(a.batch({ seq: 0, hash: GENESIS }));
    // The same records again under a new batch id: nothing stored twice; the receipt of the head comes back.
    const dup = await ingest(before);
    expect(dup).toMatchObject({ status: 409, json: { error: { code: 'BATCH_DUPLICATE' } } });
    expect((await openReceipt(dup.json.receipt, keys)).seq).toBe(5);
    await a.append(3); // seq 6..8
    const honest = await a.seal(a.batch({ seq: 5, hash: recordHashAt(a, 5) }, 1)); // seq 6
    expect((await ingest(honest)).status).toBe(200);
    expect((await ingest(honest)).json.error.code).toBe('BATCH_REPLAY');
    // One byte changed in transit.
    const wire = await a.seal(a.batch({ seq: 6, hash: recordHashAt(a, 6) }));
    const k = Math.floor(wire.length / 2);
    const tampered = wire.slice(0, k) + (wire[k] === 'A' ? 'B' : 'A') + wire.slice(k + 1);
    expect((await ingest(tampered)).json.error.code).toMatch(/^BATCH_(SIGNATURE_INVALID|MALFORMED)$/);
    // Signed with another device's key under this device's id.
    const x = devices.x!;
    expect((await ingest(await a.seal(a.batch({ seq: 6, hash: recordHashAt(a, 6) }), x.key))).json.error.code).toBe('DEVICE_KEY_MISMATCH');
    // A gap: seq 7 missing (deleted locally before sync), the batch starts at 8.
    expect((await ingest(await a.seal(a.batch({ seq: 7, hash: recordHashAt(a, 7) })))).json.error.code).toBe('CHAIN_GAP');
    // A fork: receipted seq 6 rewritten (and re-chained with the store's own code), then sent on.
    const forged = a.batch({ seq: 5, hash: recordHashAt(a, 5) }, 2);
    const { hash: _h, ...unsigned } = forged.records[0]!.record;
    const rewritten = chainRecord(String(unsigned.prevHash), { ...unsigned, prompt: 'nothing to see here' });
    forged.records[0]!.record = JSON.parse(rewritten.json);
    const { hash: _h2, ...unsigned2 } = forged.records[1]!.record;
    forged.records[1]!.record = JSON.parse(chainRecord(rewritten.hash, { ...unsigned2, prevHash: rewritten.hash }).json);
    expect((await ingest(await a.seal(forged))).json.error.code).toBe('CHAIN_FORK');
    // Honest again: 7..8 accepted, one chain.
    const ok = await ingest(await a.seal(a.batch({ seq: 6, hash: recordHashAt(a, 6) })));
    expect(ok.status).toBe(200);
    expect((await openReceipt(ok.json.receipt, keys)).seq).toBe(8);
    const events = (await (await api('/api/v1/security-events', { as: 'carol' })).json()) as { items: Array<{ code: string; device: string }> };
    const codes = events.items.filter((e) => e.device === a.store.device).map((e) => e.code);
    for (const c of ['BATCH_DUPLICATE', 'BATCH_REPLAY', 'DEVICE_KEY_MISMATCH', 'CHAIN_GAP', 'CHAIN_FORK']) expect(codes).toContain(c);
    expect(codes.some((c) => c === 'BATCH_SIGNATURE_INVALID' || c === 'BATCH_MALFORMED')).toBe(true);
    const rows = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM records WHERE device = $1', [a.store.device]);
    expect(Number(rows[0]!.n)).toBe(8);
    expect((await api('/api/v1/security-events', { as: 'alice' })).status).toBe(403);
  });

  it("shows a developer only their own devices' records; an auditor sees everyone's", async () => {
    const b = devices.b!;
    expect((await enrol('bob', b)).status).toBe(201);
    await b.append(2, `bob asks about ${WORD}`);
    expect((await ingest(await b.seal(b.batch({ seq: 0, hash: GENESIS })))).status).toBe(200);
    const bobsId = b.store.recordsAfter(0, 1)[0]!.id;
    const alice = ServerSearchPageSchema.parse(await (await api(`/api/v1/records?q=${WORD}&limit=100`, { as: 'alice' })).json());
    expect(alice.items.every((i) => i.device === devices.a!.store.device)).toBe(true);
    expect((await api(`/api/v1/records/${bobsId}`, { as: 'alice' })).status).toBe(404);
    expect((await api(`/api/v1/records?device=${b.store.device}`, { as: 'alice' }).then((r) => r.json()) as any).total).toBe(0);
    const carol = ServerSearchPageSchema.parse(await (await api(`/api/v1/records?q=${WORD}&limit=100`, { as: 'carol' })).json());
    expect(new Set(carol.items.map((i) => i.device))).toEqual(new Set([devices.a!.store.device, b.store.device]));
    expect((await api(`/api/v1/records/${bobsId}`, { as: 'carol' })).status).toBe(200);
    // Another user cannot take over bob's device without an explicit, authorised re-enrolment.
    expect((await enrol('alice', b)).status).toBe(409);
  });

  it('refuses every batch of a revoked device', async () => {
    const x = devices.x!;
    expect((await enrol('alice', x)).status).toBe(201);
    await x.append(1);
    expect((await api(`/api/v1/devices/${x.store.device}/revoke`, { as: 'bob', method: 'POST' })).status).toBe(403);
    expect((await api(`/api/v1/devices/${x.store.device}/revoke`, { as: 'alice', method: 'POST' })).status).toBe(200);
    expect((await ingest(await x.seal(x.batch({ seq: 0, hash: GENESIS })))).json.error.code).toBe('DEVICE_REVOKED');
  });
});

function recordHashAt(d: Device, seq: number): string {
  return d.store.recordsAfter(seq - 1, 1)[0]!.hash;
}

async function startServerKeysElsewhere(): Promise<PinnedKeys> {
  const { generateKeyPair, exportJWK } = await import('jose');
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const sig = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return pinnedKeys({
    keys: [
      { ...(await exportJWK(enc.publicKey)), kid: 'e', use: 'enc', alg: 'ECDH-ES+A256KW' },
      { ...(await exportJWK(sig.publicKey)), kid: 's', use: 'sig', alg: 'EdDSA' },
    ],
  });
}
