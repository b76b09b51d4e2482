/**
 * Identity in a running engine, through its real parts (the real in-process provider, real
 * tokens, the real proxy over TLS, the fake upstream): the control API starts sign-ins
 * (browser and device flow) and signs out; policy identity.requireSignIn refuses Copilot
 * requests in their own protocol while signed out and nothing reaches the upstream; records
 * and approvals carry the verified identity; approvals.approverGroups / selfApproval refuse
 * the wrong approver; group profiles select a stricter policy; and no token is ever in
 * clear in the data dir, the logs or the events.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ApprovalView, type ControlEvent } from '../../proxy/control/index.js';
import { FileKeyVault, vaultDir } from '../../proxy/keys/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';

let op: TestOidcProvider;
let upstream: FakeUpstream;

beforeAll(async () => {
  [op, upstream] = await Promise.all([
    startOidcProvider({
      users: [
        { username: 'alice', name: 'Alice Example', email: 'alice@example.test', groups: ['engineering', 'approvers'] },
        { username: 'bob', name: 'Bob Builder', email: 'bob@example.test', groups: ['contractors'] },
        { username: 'carol', name: 'Carol Lead', email: 'carol@example.test', groups: ['approvers'] },
      ],
    }),
    startFakeUpstream(),
  ]);
});
afterAll(async () => {
  await Promise.all([op?.close(), upstream?.close()]);
});

const identity = () => ({ issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups' });
const clientOf = (t: TestEngine) => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });

function identityEvents(t: TestEngine) {
  const seen: Array<Extract<ControlEvent, { type: 'identity.changed' }>['data']> = [];
  t.engine.bus.subscribe((e) => {
    if (e.type === 'identity.changed') seen.push(e.data);
  });
  return seen;
}

describe('sign-in and sign-out through the control API', () => {
  it('identityLogin returns the authorization URL at once; the engine completes the sign-in on its loopback redirect; identityLogout ends it', { timeout: 120_000 }, async () => {
    const t = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch });
    try {
      const events = identityEvents(t);
      const api = clientOf(t);
      const started = await api.call('identityLogin', {});
      expect(started.flow).toBe('browser');
      const url = new URL((started as { url: string }).url);
      expect(url.origin).toBe(op.issuer);
      expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const tab = await op.completeLogin(url.href, 'alice');
      expect(tab.body).toContain('Signed in as');
      await expect.poll(() => events.at(-1)?.signedIn, { timeout: 30_000 }).toBe(true);
      expect(await api.call('identity', {})).toMatchObject({ signedIn: true, sub: 'sub-alice', configured: true });

      const out = await api.call('identityLogout', {});
      expect(out).toMatchObject({ signedIn: false, sub: null, configured: true });
      expect(events.at(-1)).toMatchObject({ signedIn: false });
      expect(t.engine.identityService.current()).toBeNull();
    } finally {
      await t.stop();
    }
  });

  it('identityLogin with device: true returns the user code; approving it signs the engine in', { timeout: 120_000 }, async () => {
    const t = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch });
    try {
      const events = identityEvents(t);
      const started = await clientOf(t).call('identityLogin', { device: true });
      if (started.flow !== 'device') throw new Error('expected the device flow');
      expect(started.userCode).toBeTruthy();
      expect(started.verificationUri).toContain(op.issuer);
      expect(started.expiresIn).toBeGreaterThan(0);
      expect(JSON.stringify(started)).not.toMatch(/token/i);
      await op.approveDeviceCode(started.userCode, 'bob');
      await expect.poll(() => events.at(-1)?.sub, { timeout: 30_000 }).toBe('sub-bob');
    } finally {
      await t.stop();
    }
  });

  it('identityLogin without sign-in configured fails with IDENTITY_NOT_CONFIGURED', async () => {
    const t = await startTestEngine(upstream);
    try {
      await expect(clientOf(t).call('identityLogin', {})).rejects.toMatchObject({ status: 400, code: 'IDENTITY_NOT_CONFIGURED' });
    } finally {
      await t.stop();
    }
  });
});

const PERMISSIVE = { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' } };
const HOST = 'api.business.githubcopilot.com';

/** Signs the running engine in as `username` through its own control API (device flow, approved on the provider's pages). */
async function signInAs(t: TestEngine, username: string) {
  const api = clientOf(t);
  if (t.engine.identityService.current()) await api.call('identityLogout', {});
  const started = await api.call('identityLogin', { device: true });
  if (started.flow !== 'device') throw new Error('expected the device flow');
  await op.approveDeviceCode(started.userCode, username);
  await expect.poll(() => t.engine.identityService.current()?.sub, { timeout: 30_000 }).toBe(`sub-${username}`);
}

/** Completed interactions and approvals, as the engine publishes them. */
function watch(t: TestEngine) {
  const w = { interactions: [] as Interaction[], requested: [] as ApprovalView[], events: [] as ControlEvent[] };
  t.engine.bus.subscribe((e) => {
    w.events.push(e);
    if (e.type === 'interaction.completed') w.interactions.push(e.data);
    if (e.type === 'approval.requested') w.requested.push(e.data);
  });
  return w;
}

function post(t: TestEngine, path: string, body: unknown = { stream: true }) {
  return requestViaProxy({ proxyPort: t.engine.proxyPort, host: HOST, path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ca: t.caPem });
}

const upstreamSaw = (marker: string) => upstream.requests.filter((r) => r.url.includes(marker)).length;

async function storedRecord(t: TestEngine, id: string) {
  await expect.poll(() => t.engine.auditStore.get(id), { timeout: 10_000 }).toBeTruthy();
  return t.engine.auditStore.get(id)!;
}

describe('policy identity.requireSignIn through the real proxy', () => {
  let t: TestEngine;
  let w: ReturnType<typeof watch>;
  beforeAll(async () => {
    t = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch }, { ...PERMISSIVE, identity: { requireSignIn: true } });
    w = watch(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const cases = [
    ['chat completions', 'chat', '/chat/completions?fixture=02-chat.response.sse.txt&t=signed-out-chat', 'signed-out-chat'],
    ['Responses', 'responses', '/responses?fixture=04-responses.response-toolcalls.sse.txt&t=signed-out-resp', 'signed-out-resp'],
    ['Messages', 'messages', '/v1/messages?fixture=05-messages.response-tooluse.sse.txt&t=signed-out-msg', 'signed-out-msg'],
  ] as const;
  for (const [name, kind, path, marker] of cases) {
    it(`signed out: a ${name} request gets the sign-in message in its own protocol, and nothing reaches the upstream`, { timeout: 60_000 }, async () => {
      expect(t.engine.identityService.current()).toBeNull();
      const res = await post(t, path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(reassemble(kind, res.body).text).toBe('Sign in to Witness to use Copilot: run `witness login`');
      expect(upstreamSaw(marker)).toBe(0);
      await expect.poll(() => w.interactions.find((i) => i.path.includes(marker)), { timeout: 10_000 }).toBeTruthy();
      const rec = w.interactions.find((i) => i.path.includes(marker))!;
      expect(rec).toMatchObject({ decision: 'blocked', status: 'blocked', ruleIds: ['identity:sign-in-required'] });
      expect(rec.identity).toEqual({ signedIn: false, sub: null, email: null, name: null, groups: [], issuer: null });
      expect((await storedRecord(t, rec.id)).identity).toEqual(rec.identity);
    });
  }

  it('signed out: the Copilot token exchange still passes (it carries no prompt), recorded as signed out', { timeout: 60_000 }, async () => {
    const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: HOST, path: '/copilot_internal/v2/token?t=signed-out-token', ca: t.caPem });
    expect(res.status).toBe(200);
    expect(upstreamSaw('signed-out-token')).toBe(1);
    await expect.poll(() => w.interactions.find((i) => i.path.includes('signed-out-token')), { timeout: 10_000 }).toBeTruthy();
    expect(w.interactions.find((i) => i.path.includes('signed-out-token'))).toMatchObject({ endpoint: 'token', status: 'ok', identity: { signedIn: false } });
  });

  it('signed in: the same request passes to the upstream and its record carries identity.sub', { timeout: 120_000 }, async () => {
    await signInAs(t, 'alice');
    const res = await post(t, '/chat/completions?fixture=02-chat.response.sse.txt&t=signed-in-chat');
    expect(res.status).toBe(200);
    expect(reassemble('chat', res.body).text).not.toContain('Sign in to Witness');
    expect(upstreamSaw('signed-in-chat')).toBe(1);
    await expect.poll(() => w.interactions.find((i) => i.path.includes('signed-in-chat')), { timeout: 10_000 }).toBeTruthy();
    const rec = w.interactions.find((i) => i.path.includes('signed-in-chat'))!;
    expect(rec.identity).toEqual({ signedIn: true, sub: 'sub-alice', email: 'alice@example.test', name: 'Alice Example', groups: ['engineering', 'approvers'], issuer: op.issuer });
    expect((await storedRecord(t, rec.id)).identity?.sub).toBe('sub-alice');
  });

  it('no token or refresh token in clear in any file of the data dir, in the logs, or in the events', { timeout: 60_000 }, async () => {
    await t.engine.identityService.refresh(); // a refresh writes the session again, and logs
    const bytes = await new FileKeyVault({ dir: vaultDir(t.dataDir) }).get('identity.session');
    const s = JSON.parse(Buffer.from(bytes!).toString()) as Record<string, string | null>;
    const tokens = [s.idToken, s.accessToken, s.refreshToken].filter((x): x is string => !!x);
    expect(tokens.length).toBe(3);
    const places: Array<[string, string]> = [
      ...filesUnder(t.dataDir).map(([p, b]) => [p, b.toString('latin1')] as [string, string]),
      ...t.logs.map((l, i) => [`engine log line ${i}`, l] as [string, string]),
      ...w.events.map((e) => [`event ${e.type}`, JSON.stringify(e)] as [string, string]),
    ];
    expect(places.length).toBeGreaterThan(5);
    for (const token of tokens) {
      // The whole token, and a JWT's payload segment alone (its readable part).
      for (const needle of [token, ...(token.split('.').length === 3 ? [token.split('.')[1]!] : [])]) {
        for (const [where, text] of places) expect(text.includes(needle), `${where} holds a token in clear`).toBe(false);
      }
    }
  });
});

function filesUnder(dir: string): Array<[string, Buffer]> {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [[p, readFileSync(p)] as [string, Buffer]];
  });
}

describe('who may approve (approvals.approverGroups, approvals.selfApproval)', () => {
  let t: TestEngine;
  let w: ReturnType<typeof watch>;
  beforeAll(async () => {
    t = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch }, {
      ...PERMISSIVE,
      protectedPaths: ['**/.env*'],
      approvals: { approverGroups: ['approvers'], selfApproval: 'deny' },
    });
    w = watch(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses the requester and an approver outside the group, each with APPROVER_NOT_ALLOWED; a member of the group approves, and the trail says who', { timeout: 180_000 }, async () => {
    await signInAs(t, 'alice');
    const held = post(t, '/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=approver-rule');
    await expect.poll(() => w.requested.length, { timeout: 20_000 }).toBe(1);
    const a = w.requested[0]!;
    expect(a.requesterIdentity).toMatchObject({ signedIn: true, sub: 'sub-alice' });
    const api = clientOf(t);
    const decide = () => api.call('decide', { id: a.id, decision: 'approve', argsHash: a.argsHash });

    // Alice is an approver, but she asked for this call.
    const self = await decide().catch((e: unknown) => e);
    expect(self).toMatchObject({ status: 403, code: 'APPROVER_NOT_ALLOWED' });
    expect((self as Error).message).toMatch(/requested this call and may not approve it/);

    await signInAs(t, 'bob');
    const outsider = await decide().catch((e: unknown) => e);
    expect(outsider).toMatchObject({ status: 403, code: 'APPROVER_NOT_ALLOWED' });
    expect((outsider as Error).message).toMatch(/bob@example\.test is not a member of approvers/);
    expect((await api.call('approval', { id: a.id }))!.status).toBe('pending');

    await signInAs(t, 'carol');
    const done = await decide();
    expect(done).toMatchObject({ status: 'approved', approver: 'carol@example.test' });
    expect(done.approverIdentity).toMatchObject({ signedIn: true, sub: 'sub-carol', groups: ['approvers'] });
    expect(done.requesterIdentity).toMatchObject({ sub: 'sub-alice' });
    await held;

    await expect.poll(() => w.interactions.find((i) => i.path.includes('approver-rule')), { timeout: 10_000 }).toBeTruthy();
    const rec = w.interactions.find((i) => i.path.includes('approver-rule'))!;
    expect(rec.identity?.sub).toBe('sub-alice'); // who asked, as when the request arrived
    expect(rec.approvals[0]).toMatchObject({ verdict: 'approved', approver: 'carol@example.test' });
    expect(rec.approvals[0]!.approverIdentity).toMatchObject({ sub: 'sub-carol', issuer: op.issuer });
    expect((await storedRecord(t, rec.id)).approvals[0]!.approverIdentity?.sub).toBe('sub-carol');
  });
});

describe('group profiles (config identity.groupProfiles, policy profiles)', () => {
  let t: TestEngine;
  let w: ReturnType<typeof watch>;
  beforeAll(async () => {
    t = await startTestEngine(upstream, { identity: { ...identity(), groupProfiles: { contractors: 'contractor' } } }, { identityFetch: op.fetch }, {
      ...PERMISSIVE,
      profiles: { contractor: { protectedPaths: ['**/.env*'] } },
    });
    w = watch(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a contractor gets the stricter protected paths (the .env edit is held); an engineer does not', { timeout: 180_000 }, async () => {
    const api = clientOf(t);
    await signInAs(t, 'alice');
    expect((await api.call('policy', {})).policy.protectedPaths).toEqual([]);
    const free = await post(t, '/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=profile-engineer');
    expect(reassemble('chat', free.body).toolCalls.map((c) => c.name)).toEqual(['replace_string_in_file', 'run_in_terminal']);
    expect(w.requested).toHaveLength(0);

    await signInAs(t, 'bob');
    const p = await api.call('policy', {});
    expect(p.policy.protectedPaths).toEqual(['**/.env*']);
    expect(p.source.protectedPaths).toBe('profile');
    expect(p.layers.at(-1)).toEqual({ name: 'profile', file: null, profile: 'contractor' });
    const held = post(t, '/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=profile-contractor');
    await expect.poll(() => w.requested.length, { timeout: 20_000 }).toBe(1);
    expect(w.requested[0]).toMatchObject({ tool: 'replace_string_in_file', ruleIds: ['protected-path:**/.env*'] });
    await api.call('decide', { id: w.requested[0]!.id, decision: 'deny', argsHash: w.requested[0]!.argsHash });
    await held;
    await expect.poll(() => w.interactions.filter((i) => i.path.includes('profile-')).length, { timeout: 10_000 }).toBe(2);
    const [engineer, contractor] = ['profile-engineer', 'profile-contractor'].map((m) => w.interactions.find((i) => i.path.includes(m))!);
    expect(contractor!.policyVersion).not.toBe(engineer!.policyVersion);
    expect(contractor!.identity?.groups).toEqual(['contractors']);

    await api.call('identityLogout', {});
    expect((await api.call('policy', {})).policy.protectedPaths).toEqual([]);
  });
});
