/**
 * Fleet health and the signed central policy on the real server (embedded PGlite), with a
 * real oidc-provider issuing the tokens and real device stores signing their check-ins and
 * batches. The server's clock is injected, so "offline" and "missing" come from moving it,
 * not from waiting.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { CentralPolicySchema, CHECKIN_TYP, CheckInResponseSchema, FleetDeviceSchema, PolicyBundlePayloadSchema, POLICY_TYP, REVIEW_REQUEST_TYP, type CheckInPayload } from '../../proxy/model/index.js';
import { GENESIS } from '../../proxy/model/node.js';
import { nextBatch, pinnedKeys, publicJwkOf, sealBatch, sealCheckIn, signAsDevice, type PinnedKeys } from '../../proxy/sync/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { interaction } from '../helpers/interactions.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';

let op: TestOidcProvider;
let server: RunningServer;
let dir: string;
let keys: PinnedKeys;
// Starts at the wall clock: the server stamps received batches with its own time too.
let clock = Date.now();
const tokens: Record<string, string> = {};
const stores: Record<string, AuditStore> = {};

const api = (path: string, as: string | null, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: { ...(as ? { authorization: `Bearer ${tokens[as]!}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
const key = (s: AuditStore) => ({ privateKey: s.deviceSigningKey.privateKey, publicJwk: publicJwkOf(s.deviceSigningKey.privateKey) });
const enrol = (as: string, s: AuditStore) => api('/api/v1/devices', as, { method: 'POST', body: JSON.stringify({ device: s.device, publicKey: key(s).publicJwk }) });
const ingest = async (body: string) => (await api('/api/v1/ingest', null, { method: 'POST', body, headers: { 'content-type': 'application/jose' } })).json() as Promise<any>;
const checkIn = (s: AuditStore, over: Partial<CheckInPayload> = {}) =>
  sealCheckIn({ v: 1, device: s.device, at: new Date().toISOString(), version: '9.9.9', policyVersion: null, waiting: 3, syncLag: 42, policyProblem: null, ...over }, s.deviceSigningKey.privateKey);
const postCheckIn = (jws: string) => api('/api/v1/check-in', null, { method: 'POST', body: jws, headers: { 'content-type': 'application/jose' } });
const fleet = async (as = 'carol') => {
  const res = await api('/api/v1/devices', as);
  expect(res.status).toBe(200);
  return Object.fromEntries(((await res.json()) as { items: unknown[] }).items.map((i) => FleetDeviceSchema.parse(i)).map((d) => [d.device, d]));
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-fleet-'));
  op = await startOidcProvider({
    users: [
      { username: 'alice', email: 'alice@example.test', groups: ['engineering'] },
      { username: 'carol', email: 'carol@example.test', groups: ['auditors'] },
      { username: 'dana', email: 'dana@example.test', groups: ['witness-admins'] },
    ],
  });
  server = await startServer({
    dataDir: join(dir, 'server'),
    config: {
      oidc: { issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null },
      roles: { auditor: ['auditors'], admin: ['witness-admins'] },
      database: { url: null },
      fleet: { offlineMinutes: 10, missingDays: 3 },
    },
    fetch: op.fetch,
    now: () => new Date(clock),
  });
  keys = pinnedKeys(await (await fetch(`${server.url}/api/v1/keys`)).json());
  for (const u of ['alice', 'carol', 'dana']) tokens[u] = (await op.tokensFor(u)).accessToken;
  for (const name of ['seen', 'silent', 'tampered']) stores[name] = await AuditStore.open({ dataDir: join(dir, name), device: `dev-${name}`, user: 'alice' });
  for (const s of Object.values(stores)) expect((await enrol('alice', s)).status).toBe(201);
}, 240_000);

afterAll(async () => {
  await server?.close();
  for (const s of Object.values(stores)) await s.close();
  await op?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fleet health: GET /api/v1/devices', () => {
  it('is for auditors and admins: a developer gets 403, without a token 401', async () => {
    expect((await api('/api/v1/devices', 'alice')).status).toBe(403);
    expect((await api('/api/v1/devices', null)).status).toBe(401);
    expect((await api('/api/v1/devices', 'dana')).status).toBe(200);
  });

  it('shows never-synced, then online with what the device reported, then offline and missing as the clock moves', async () => {
    // From now: the server stamps batches with the wall clock, and start-up may have taken minutes on a busy machine.
    clock = Date.now();
    const seen = stores.seen!;
    expect((await fleet())[seen.device]).toMatchObject({ state: 'never-synced', lastSeen: null, chain: 'none', version: null, user: 'alice@example.test' });
    for (let i = 0; i < 3; i++) await seen.append(interaction());
    expect((await ingest(await sealBatch(nextBatch(seen, { seq: 0, hash: GENESIS }, 100)!, key(seen), keys))).stored).toBe(3);
    const res = await postCheckIn(await checkIn(seen, { policyVersion: 4 }));
    expect(res.status).toBe(200);
    const d = (await fleet())[seen.device]!;
    expect(d).toMatchObject({ state: 'online', version: '9.9.9', waiting: 3, syncLag: 42, chain: 'anchored', policyVersion: 4, head: { seq: 3 } });
    // An engine that does not report the fleet-health facts: null, not invented.
    expect(d).toMatchObject({ interceptionPaused: null, caExpiresAt: null, tlsFailures: null, traffic: null });
    expect(Math.abs(Date.parse(d.lastSeen!) - clock)).toBeLessThan(5 * 60_000);
    expect((await fleet())[stores.silent!.device]!.state).toBe('never-synced');

    clock += 11 * 60_000;
    expect((await fleet())[seen.device]!.state).toBe('offline');
    clock += 3 * 86_400_000;
    expect((await fleet())[seen.device]!.state).toBe('missing');
    expect((await postCheckIn(await checkIn(seen))).status).toBe(200);
    expect((await fleet())[seen.device]!.state).toBe('online');
  });

  it('refuses a replayed check-in and one not signed by the enrolled key', async () => {
    const seen = stores.seen!;
    const jws = await checkIn(seen);
    expect((await postCheckIn(jws)).status).toBe(200);
    const again = await postCheckIn(jws);
    expect(again.status).toBe(409);
    expect(((await again.json()) as any).error.code).toBe('CHECKIN_REPLAY');
    const other = await checkIn(stores.silent!, { device: seen.device });
    expect((await postCheckIn(other)).status).toBe(403);
  });

  it('refuses, fail closed, every check-in it cannot verify: not a JWS, another typ, an unknown or revoked device, another key, a changed payload', async () => {
    const seen = stores.seen!;
    const refused = async (jws: string) => {
      const res = await postCheckIn(jws);
      return [res.status, ((await res.json()) as any).error.code as string] as const;
    };
    const payload = (device: string): CheckInPayload => ({ v: 1, device, at: new Date().toISOString(), version: '9.9.9', policyVersion: null, waiting: 0, syncLag: 0, policyProblem: null });
    const gone = generateKeyPairSync('ed25519').privateKey;
    expect((await api('/api/v1/devices', 'alice', { method: 'POST', body: JSON.stringify({ device: 'dev-gone', publicKey: publicJwkOf(gone) }) })).status).toBe(201);
    expect((await api('/api/v1/devices/dev-gone/revoke', 'alice', { method: 'POST' })).status).toBe(200);
    const [h, , sig] = (await checkIn(seen)).split('.');
    const changed = Buffer.from(JSON.stringify({ ...payload(seen.device), waiting: 99 })).toString('base64url');

    expect(await refused('not a jws')).toEqual([400, 'BAD_REQUEST']);
    expect(await refused(await signAsDevice(payload(seen.device), REVIEW_REQUEST_TYP, seen.deviceSigningKey.privateKey))).toEqual([400, 'BAD_REQUEST']);
    expect(await refused(await signAsDevice(payload('dev-nobody'), CHECKIN_TYP, seen.deviceSigningKey.privateKey))).toEqual([403, 'DEVICE_UNKNOWN']);
    expect(await refused(await signAsDevice(payload('dev-gone'), CHECKIN_TYP, gone))).toEqual([403, 'DEVICE_REVOKED']);
    expect(await refused(await checkIn(stores.silent!, { device: seen.device }))).toEqual([403, 'DEVICE_KEY_MISMATCH']);
    expect(await refused(`${h}.${changed}.${sig}`)).toEqual([400, 'BATCH_SIGNATURE_INVALID']);
  });

  it('shows chain-broken after a batch whose record was changed after it was hashed', async () => {
    const t = stores.tampered!;
    for (let i = 0; i < 2; i++) await t.append(interaction());
    const batch = nextBatch(t, { seq: 0, hash: GENESIS }, 100)!;
    batch.records[1]!.record = { ...batch.records[1]!.record, prompt: 'nothing to see here' };
    expect((await ingest(await sealBatch(batch, key(t), keys))).error.code).toBe('RECORD_INVALID');
    expect((await fleet())[t.device]).toMatchObject({ state: 'chain-broken', chain: 'fork' });
    // Honest batches after it do not hide it: the chain stays flagged until an admin re-enrols the device.
    expect((await ingest(await sealBatch(nextBatch(t, { seq: 0, hash: GENESIS }, 100)!, key(t), keys))).stored).toBe(2);
    expect((await fleet())[t.device]!.state).toBe('chain-broken');
  });
});

describe('central policy: GET/PUT /api/v1/policy', () => {
  it('publishes only for admins, refuses an invalid document with the key path, signs each version and keeps the history', async () => {
    expect(CentralPolicySchema.parse(await (await api('/api/v1/policy', 'alice')).json())).toMatchObject({ version: 0, bundle: null });
    const doc = { protectedPaths: ['infra/**'] };
    for (const as of ['alice', 'carol']) {
      const r = await api('/api/v1/policy', as, { method: 'PUT', body: JSON.stringify(doc) });
      expect(r.status).toBe(403);
    }
    const bad = await api('/api/v1/policy', 'dana', { method: 'PUT', body: JSON.stringify({ approvals: { timeoutSeconds: 'soon' } }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: 'POLICY_INVALID', message: expect.stringMatching(/^approvals\.timeoutSeconds: /) });
    const unknown = await api('/api/v1/policy', 'dana', { method: 'PUT', body: JSON.stringify({ protectedCommands: [{ id: 'Bad Id', pattern: 'x' }] }) });
    expect(((await unknown.json()) as any).error.message).toMatch(/^protectedCommands\.0\.id: /);

    const put = await api('/api/v1/policy', 'dana', { method: 'PUT', body: JSON.stringify(doc) });
    expect(put.status).toBe(200);
    const v1 = CentralPolicySchema.parse(await put.json());
    expect(v1).toMatchObject({ version: 1, policy: doc, publishedBy: 'dana@example.test' });
    // Signed with the server's pinned `sig` key, as a policy bundle.
    const { payload, protectedHeader } = await compactVerify(v1.bundle!, await importJWK(keys.signing, 'EdDSA'));
    expect(protectedHeader.typ).toBe(POLICY_TYP);
    expect(PolicyBundlePayloadSchema.parse(JSON.parse(new TextDecoder().decode(payload)))).toMatchObject({ version: 1, policy: doc });

    const v2 = CentralPolicySchema.parse(await (await api('/api/v1/policy', 'dana', { method: 'PUT', body: JSON.stringify({ protectedPaths: ['infra/**', '**/.env*'] }) })).json());
    expect(v2.version).toBe(2);
    expect(CentralPolicySchema.parse(await (await api('/api/v1/policy', 'alice')).json()).version).toBe(2);
    const history = (await (await api('/api/v1/policy/history', 'carol')).json()) as { items: Array<{ version: number }> };
    expect(history.items.map((h) => h.version)).toEqual([2, 1]);
  });

  it('answers a check-in with the signed bundle only when the device does not enforce the current version', async () => {
    const seen = stores.seen!;
    const stale = CheckInResponseSchema.parse(await (await postCheckIn(await checkIn(seen, { policyVersion: 1 }))).json());
    expect(stale.policy?.version).toBe(2);
    const current = CheckInResponseSchema.parse(await (await postCheckIn(await checkIn(seen, { policyVersion: 2 }))).json());
    expect(current.policy).toBeNull();
    expect((await fleet())[seen.device]!.policyVersion).toBe(2);
  });
});
