/**
 * The policy that is really in force: DATA_DIR/policy.json edited while the engine runs,
 * real tool calls through the real proxy. A protected path added → the next matching call
 * is held, without a restart; a broken file → the last good policy stays in force and the
 * problem shows in status, events and the log; every record names the version it was
 * judged by, and that version's policy is kept in policy-history/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ApprovalView, type ControlEvent, type PolicyState } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { policyVersion } from '../../proxy/policy/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { agentTurn as agentTurnVia } from '../helpers/central.js';

let upstream: FakeUpstream;
let t: TestEngine;
const events: ControlEvent[] = [];

/** Lets every tool call through: nothing is protected. */
const OPEN = { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' } };
const PROTECTED = { ...OPEN, protectedPaths: ['**/.env*'] };

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream, {}, {}, OPEN);
  t.engine.bus.subscribe((e) => void events.push(e));
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

const api = () => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
const policyFile = () => join(t.dataDir, 'policy.json');

/** An agent turn that edits /…/.env.production and runs a command; resolves with the client's body. */
const agentTurn = (tag: string) => agentTurnVia(t, tag);

const policyEvents = (from: number) => events.slice(from).filter((e): e is Extract<ControlEvent, { type: 'policy.changed' }> => e.type === 'policy.changed').map((e) => e.data as PolicyState);
const approvalFor = (tag: string) =>
  events.find((e): e is Extract<ControlEvent, { type: 'approval.requested' }> => e.type === 'approval.requested' && e.data.exchangeId !== '' && heldTags.get(e.data.exchangeId) === tag)?.data as
    | ApprovalView
    | undefined;
const heldTags = new Map<string, string>();
const recordOf = (tag: string) =>
  events.find((e): e is Extract<ControlEvent, { type: 'interaction.completed' }> => e.type === 'interaction.completed' && e.data.path.includes(`t=${tag}`))?.data as Interaction | undefined;

describe('policy that is really in force', () => {
  it('a protected path added to policy.json while the engine runs holds the next matching tool call, without a restart', { timeout: 60_000 }, async () => {
    const first = (await api().status()).policy;
    expect(first).toMatchObject({ version: policyVersion((await api().call('policy', {})).policy as never), problem: null });
    expect(first.layers.map((l) => l.name)).toEqual(['default', 'user']);

    // Before: the edit of .env.production goes straight through.
    const before = await agentTurn('before');
    expect(before).toContain('replace_string_in_file');
    await expect.poll(() => recordOf('before')).toBeTruthy();
    expect(recordOf('before')).toMatchObject({ approvals: [], policyVersion: first.version });

    const from = events.length;
    writeFileSync(policyFile(), JSON.stringify(PROTECTED));
    await expect.poll(() => policyEvents(from).find((p) => p.version !== first.version), { timeout: 20_000 }).toBeTruthy();
    const second = policyEvents(from).find((p) => p.version !== first.version)!;
    expect(second.problem).toBeNull();
    expect((await api().status()).policy.version).toBe(second.version);
    expect((await api().call('policy', {})).policy.protectedPaths).toEqual(['**/.env*']);

    // The next matching call is held by the new rule.
    const held = agentTurn('after');
    await expect.poll(() => events.slice(from).find((e) => e.type === 'approval.requested' && e.data.tool === 'replace_string_in_file'), { timeout: 20_000 }).toBeTruthy();
    const a = events.slice(from).find((e) => e.type === 'approval.requested')!.data as ApprovalView;
    heldTags.set(a.exchangeId, 'after');
    expect(approvalFor('after')?.ruleIds).toEqual(['protected-path:**/.env*']);
    await api().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash, reason: 'protected now' });
    expect(await held).toContain('Witness blocked a tool call');
    await expect.poll(() => recordOf('after')).toBeTruthy();
    expect(recordOf('after')).toMatchObject({ decision: 'denied', policyVersion: second.version });

    // Each version's policy is kept where an auditor can look a record's version up.
    for (const v of [first.version, second.version]) {
      const kept = JSON.parse(readFileSync(join(t.dataDir, 'policy-history', `${v}.json`), 'utf8')) as { version: string; policy: never };
      expect(kept.version).toBe(v);
      expect(policyVersion(kept.policy)).toBe(v);
    }
  });

  it('a broken policy.json keeps the last good policy in force, and says so in status, events, the log and `witness status`', { timeout: 90_000 }, async () => {
    const good = (await api().status()).policy;
    const from = events.length;
    writeFileSync(policyFile(), '{ "protectedPaths": [ "**/.env*", ');
    await expect.poll(() => policyEvents(from).at(-1)?.problem, { timeout: 20_000 }).toBeTruthy();
    const state = (await api().status()).policy;
    expect(state.version).toBe(good.version);
    expect(state.problem).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(policyFile()) });
    expect((await api().call('policy', {})).problem).toEqual(state.problem);
    expect(t.logs.some((l) => l.includes('"level":"error"') && l.includes('the last good policy stays in force'))).toBe(true);

    // Still enforced: the protected path is held.
    const held = agentTurn('while-broken');
    await expect.poll(() => events.slice(from).find((e) => e.type === 'approval.requested'), { timeout: 20_000 }).toBeTruthy();
    const a = events.slice(from).find((e) => e.type === 'approval.requested')!.data as ApprovalView;
    await api().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash });
    await held;
    await expect.poll(() => recordOf('while-broken')).toBeTruthy();
    expect(recordOf('while-broken')!.policyVersion).toBe(good.version);

    // The CLI says it too: status and policy show.
    const status = await runCli(['status', '--data-dir', t.dataDir]);
    expect(status.stdout).toContain(`Policy       version ${good.version.slice(0, 12)}`);
    expect(status.stdout).toMatch(/POLICY PROBLEM since .*not valid JSON.*\[CONFIG_INVALID\]/);
    const show = await runCli(['policy', 'show', '--data-dir', t.dataDir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`In force in the running engine (pid ${process.pid}): policy version ${good.version.slice(0, 12)}`);
    expect(show.stdout).toMatch(/PROBLEM since .*not valid JSON/);

    // Fixed: the problem goes away; the same rules are the same version.
    const fixedFrom = events.length;
    writeFileSync(policyFile(), JSON.stringify(PROTECTED, null, 2));
    await expect.poll(() => policyEvents(fixedFrom).at(-1), { timeout: 20_000 }).toMatchObject({ problem: null, version: good.version });
    expect((await api().status()).policy).toEqual({ ...good, problem: null });
    expect(existsSync(join(t.dataDir, 'policy-history', `${good.version}.json`))).toBe(true);
  });

  it('a policy that changes the intercepted hosts restarts the proxy with them, on the same port', { timeout: 60_000 }, async () => {
    const before = await api().status();
    expect(before.intercept.hosts).toContain('*.githubcopilot.com');
    writeFileSync(policyFile(), JSON.stringify({ ...PROTECTED, intercept: { hosts: ['api.business.githubcopilot.com'] } }));
    await expect.poll(async () => (await api().status()).intercept.hosts, { timeout: 20_000 }).toEqual(['api.business.githubcopilot.com']);
    const after = await api().status();
    expect(after.proxy.port).toBe(before.proxy.port);
    expect(after.ca.fingerprint256).toBe(before.ca.fingerprint256); // the CA's names still cover the host
    // Still intercepted and judged: the held edit.
    const from = events.length;
    const held = agentTurn('new-hosts');
    await expect.poll(() => events.slice(from).find((e) => e.type === 'approval.requested'), { timeout: 20_000 }).toBeTruthy();
    const a = events.slice(from).find((e) => e.type === 'approval.requested')!.data as ApprovalView;
    await api().call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash });
    expect(await held).toContain('Witness blocked a tool call');
  });
});
