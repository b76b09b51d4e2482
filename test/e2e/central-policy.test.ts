/**
 * The signed central policy, end to end with real parts: the real server (PGlite), a real
 * oidc-provider (an admin publishes, the user's device enrols itself), the real engine and
 * proxy against the fake Copilot upstream. A protected path published on the server holds the
 * next matching tool call within seconds, without a restart; a bundle signed by another key
 * is refused, reported (status, log, a security event on the server) and the last good
 * version stays in force; fleet health shows the version the device enforces.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlEvent } from '../../proxy/control/index.js';
import { FleetDeviceSchema, POLICY_TYP } from '../../proxy/model/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { agentTurn as agentTurnVia, centralServerConfig, expectHeldAndDeny as heldAndDeny, startCentralOidc, startSyncingEngine, stopCentral } from '../helpers/central.js';
import type { TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import type { TestOidcProvider } from '../helpers/oidc.js';

let op: TestOidcProvider;
let upstream: FakeUpstream;
let t: TestEngine;
let server: RunningServer;
let dir: string;
const tokens: Record<string, string> = {};
const events: ControlEvent[] = [];

const api = (path: string, as: string, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${tokens[as]!}`, 'content-type': 'application/json' } });
const myDevice = async () => {
  const items = ((await (await api('/api/v1/devices', 'dana')).json()) as { items: unknown[] }).items.map((i) => FleetDeviceSchema.parse(i));
  return items[0] ?? null; // the only device this server knows
};

const agentTurn = (tag: string) => agentTurnVia(t, tag);
/** Sends a turn, expects its edit to be held by the protected-path rule, denies it. */
const expectHeldAndDeny = (tag: string) => heldAndDeny(t, events, tag, ['protected-path:**/.env*']);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-central-policy-'));
  op = await startCentralOidc([{ username: 'dana', email: 'dana@example.test', groups: ['witness-admins'] }]);
  upstream = await startFakeUpstream();
  server = await startServer({
    dataDir: join(dir, 'server'),
    config: centralServerConfig(op, ['witness-admins']),
    fetch: op.fetch,
  });
  const keysFile = join(dir, 'server-keys.json');
  writeFileSync(keysFile, JSON.stringify(server.keys.jwks));
  for (const u of ['alice', 'carol', 'dana']) tokens[u] = (await op.tokensFor(u)).accessToken;
  t = await startSyncingEngine(upstream, op, { server: server.url, serverKeys: keysFile, batchSize: 10, flushSeconds: 0.1, checkInSeconds: 0.5 }, events);
}, 240_000);

afterAll(() => stopCentral({ t, server, upstream, op, dir }));

describe('the central policy from the server', () => {
  it('publish → the running engine holds a call to the new protected path within seconds, and reports the version it enforces', { timeout: 120_000 }, async () => {
    await expect.poll(async () => (await myDevice())?.lastSeen ?? null, { timeout: 60_000, interval: 250 }).not.toBeNull();
    expect((await myDevice())!).toMatchObject({ state: 'online', policyVersion: null, user: 'alice@example.test' });

    // Before: nothing protects .env files (the user layer opens everything).
    const before = await agentTurn('before');
    expect(before).toContain('replace_string_in_file');
    expect(before).not.toContain('Witness blocked');

    const put = await api('/api/v1/policy', 'dana', { method: 'PUT', body: JSON.stringify({ protectedPaths: ['**/.env*'] }) });
    expect(put.status).toBe(200);
    const published = Date.now();
    await expect.poll(() => t.engine.status().sync.centralPolicy?.version, { timeout: 20_000, interval: 100 }).toBe(1);
    const tookMs = Date.now() - published;
    expect(tookMs).toBeLessThan(15_000);
    expect(t.engine.status().policy.layers.map((l) => l.name)).toContain('central');
    expect(t.engine.status().policy.problem).toBeNull();
    await expectHeldAndDeny('after-publish');
    await expect.poll(async () => (await myDevice())?.policyVersion, { timeout: 20_000, interval: 250 }).toBe(1);
    // The engine reports itself in its check-ins (fleet health): interception on, its CA's expiry, its traffic.
    await expect.poll(async () => (await myDevice())?.traffic?.intercepted ?? 0, { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    expect(await myDevice()).toMatchObject({ interceptionPaused: false, caExpiresAt: t.engine.status().ca.notAfter, tlsFailures: 0 });
  });

  it('refuses a bundle signed by another key, keeps the last good version, and reports it to the server', { timeout: 120_000 }, async () => {
    // Someone with write access to the server's database, but not its sealed key, slips in a version 2 that unprotects everything.
    const rogue = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const payload = { v: 1, version: 2, policy: { protectedPaths: [] }, publishedAt: new Date().toISOString(), publishedBy: 'mallory' };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: server.keys.signing.kid, typ: POLICY_TYP }).sign(rogue.privateKey);
    await server.db.query('INSERT INTO central_policies (version, policy, jws, published_by) VALUES ($1, $2, $3, $4)', [2, JSON.stringify(payload.policy), jws, 'mallory']);

    await expect.poll(() => t.engine.status().sync.centralPolicy?.problem ?? null, { timeout: 20_000, interval: 100 }).toMatch(/signature does not verify with the pinned server key/);
    expect(t.engine.status().sync.centralPolicy?.version).toBe(1);
    expect(t.logs.some((l) => l.includes('"level":"error"') && l.includes('a central policy bundle was refused'))).toBe(true);
    await expect
      .poll(async () => ((await (await api('/api/v1/security-events', 'carol')).json()) as { items: Array<{ code: string; device: string | null }> }).items.find((e) => e.code === 'POLICY_BUNDLE_REFUSED'), { timeout: 20_000, interval: 250 })
      .toMatchObject({ device: (await myDevice())!.device });
    // Still in force: the .env edit is held.
    await expectHeldAndDeny('after-forgery');
    expect((await myDevice())!.policyVersion).toBe(1);
  });
});
