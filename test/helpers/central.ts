/**
 * The central-server end-to-end world: a real oidc-provider whose users the tests sign in
 * as, the server's configuration against it, and the real engine with sign-in and sync to
 * the server, signed in as alice with its events collected. Each test starts the server
 * itself (when and how it comes up is what the tests are about).
 */
import { rmSync } from 'node:fs';
import type { ConfigInput } from '../../proxy/config/index.js';
import { createControlClient, type ApprovalView, type ControlEvent } from '../../proxy/control/index.js';
import { expect } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { startTestEngine, type TestEngine } from './engine.js';
import type { FakeUpstream } from './fake-upstream.js';
import { startOidcProvider, type OidcProviderOptions, type OidcTestUser, type TestOidcProvider } from './oidc.js';
import { requestViaProxy } from './proxy-client.js';

/** alice the engineer (the device's user) and carol the auditor, and whoever else a test needs; `browserClients` e.g. the console. */
export function startCentralOidc(more: OidcTestUser[] = [], browserClients: OidcProviderOptions['browserClients'] = []): Promise<TestOidcProvider> {
  return startOidcProvider({
    users: [{ username: 'alice', email: 'alice@example.test', groups: ['engineering'] }, { username: 'carol', email: 'carol@example.test', groups: ['auditors'] }, ...more],
    browserClients,
  });
}

/** The server's configuration against `op`: the `auditors` group audits, `admin` groups administer. */
export function centralServerConfig(op: TestOidcProvider, admin: string[] = []) {
  return {
    oidc: { issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null },
    roles: { auditor: ['auditors'], admin },
    database: { url: null },
  };
}

/** The engine signing in against `op` and syncing as `sync` says, its events pushed to `events`, alice signed in. */
export async function startSyncingEngine(upstream: FakeUpstream, op: TestOidcProvider, sync: NonNullable<ConfigInput['sync']>, events: ControlEvent[]): Promise<TestEngine> {
  const t = await startTestEngine(upstream, { identity: { issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups' }, sync }, { identityFetch: op.fetch });
  try {
    t.engine.bus.subscribe((e) => void events.push(e));
    await t.engine.identityService.signInWithBrowser({
      open: async (url) => {
        void op.completeLogin(url, 'alice');
        return true;
      },
    });
    return t;
  } catch (e) {
    await t.stop();
    throw e;
  }
}

/** Stops whatever of the world started, the engine first, and removes its folder. */
export async function stopCentral(w: { t?: TestEngine; server?: RunningServer | null; upstream?: FakeUpstream; op?: TestOidcProvider; dir?: string }): Promise<void> {
  await w.t?.stop();
  await w.server?.close();
  await w.upstream?.close();
  await w.op?.close();
  if (w.dir) rmSync(w.dir, { recursive: true, force: true });
}

/** An agent turn through `t`'s proxy whose tool call edits …/.env.production; resolves with the body the client gets. */
export async function agentTurn(t: TestEngine, tag: string): Promise<string> {
  const path = `/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=1&t=${tag}`;
  const res = await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.business.githubcopilot.com', path, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', ca: t.caPem });
  return res.body;
}

/** Sends an agent turn, expects its edit to be held by exactly `ruleIds` (seen in `events`), denies it. */
export async function expectHeldAndDeny(t: TestEngine, events: ControlEvent[], tag: string, ruleIds: string[]): Promise<void> {
  const from = events.length;
  const turn = agentTurn(t, tag);
  await expect.poll(() => events.slice(from).find((e) => e.type === 'approval.requested'), { timeout: 20_000 }).toBeTruthy();
  const a = events.slice(from).find((e) => e.type === 'approval.requested')!.data as ApprovalView;
  expect(a.ruleIds).toEqual(ruleIds);
  await createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken }).call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash });
  expect(await turn).toContain('Witness blocked a tool call');
}
