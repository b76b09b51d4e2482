/**
 * The identity rules as plain values: group profiles as a policy layer (validation, locks),
 * who may approve (approvals.approverGroups / selfApproval on the real registry), what the
 * sign-in gate lets through while signed out, and how exports map the identity.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalRegistry } from '../../proxy/approvals/index.js';
import { exportRecords, toOcsf } from '../../proxy/audit/index.js';
import { IdentityGate, recordIdentity, SIGN_IN_REQUIRED_MESSAGE, type IdentitySession } from '../../proxy/identity/index.js';
import type { ExportedRecord, RecordIdentity } from '../../proxy/model/index.js';
import { resolvePolicy } from '../../proxy/policy/index.js';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function policyFile(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'witness-identity-policy-'));
  dirs.push(dir);
  const f = join(dir, 'policy.json');
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

const session = (sub: string, groups: string[]): IdentitySession => ({ sub, email: `${sub}@example.test`, name: null, groups, issuer: 'https://idp.example.test', expiresAt: new Date(Date.now() + 60_000).toISOString() });
const who = (sub: string, groups: string[]): RecordIdentity => recordIdentity(session(sub, groups));
const SIGNED_OUT = recordIdentity(null);

describe('group profiles as a policy layer', () => {
  const doc = { protectedPaths: ['docs/**'], profiles: { contractor: { protectedPaths: ['**/.env*', 'infra/**'], mcpTools: 'deny' } } };

  it('applies the selected profile over the layers, says so in source and layers, and nothing without it', () => {
    const userFile = policyFile(doc);
    const plain = resolvePolicy({ userFile });
    expect(plain.policy.protectedPaths).toEqual(['docs/**']);
    const contractor = resolvePolicy({ userFile, profiles: ['contractor', 'no-such-profile'] });
    expect(contractor.policy.protectedPaths).toEqual(['**/.env*', 'infra/**']);
    expect(contractor.policy.mcpTools).toBe('deny');
    expect(contractor.source.protectedPaths).toBe('profile');
    expect(contractor.layers.at(-1)).toEqual({ name: 'profile', file: null, profile: 'contractor' });
  });

  it('a profile from the user file cannot change a key IT locked; one IT wrote can', () => {
    const userFile = policyFile(doc);
    const managed = (extra: Record<string, unknown> = {}) => ({ sources: [{ location: 'test-managed', doc: { protectedPaths: ['secrets/**'], ...extra } }] });
    expect(resolvePolicy({ userFile, managed: managed(), profiles: ['contractor'] }).policy.protectedPaths).toEqual(['secrets/**']);
    // The unlocked key from the same profile still applies.
    expect(resolvePolicy({ userFile, managed: managed(), profiles: ['contractor'] }).policy.mcpTools).toBe('deny');
    const byIt = resolvePolicy({ userFile, managed: managed({ profiles: { contractor: { protectedPaths: ['secrets/**', '**/.env*'] } } }), profiles: ['contractor'] });
    expect(byIt.policy.protectedPaths).toEqual(['secrets/**', '**/.env*']);
  });

  it('refuses a profile with an unknown or machine-wide key, naming the key path', () => {
    expect(() => resolvePolicy({ userFile: policyFile({ profiles: { contractor: { protectedPathz: [] } } }) })).toThrow(/profiles\.contractor\.protectedPathz: unknown key/);
    expect(() => resolvePolicy({ userFile: policyFile({ profiles: { contractor: { intercept: { hosts: ['x.test'] } } } }) })).toThrow(/profiles\.contractor\.intercept: unknown key/);
    expect(() => resolvePolicy({ userFile: policyFile({ profiles: { contractor: { mcpTools: 'maybe' } } }) })).toThrow(/profiles\.contractor\.mcpTools: Invalid option/);
  });
});

describe('who may approve (the real registry)', () => {
  function hold(rule: { approverGroups: string[]; selfApproval: 'allow' | 'deny' }, requester: RecordIdentity) {
    const registry = new ApprovalRegistry({ timeoutMs: 60_000, onTimeout: 'deny', identity: () => requester, approverRule: () => rule });
    const { approval, outcome } = registry.request({ exchangeId: 'x', host: 'h', client: null, requester: 'dev', tool: 'run_in_terminal', arguments: '{"command":"rm -rf /"}', operation: { class: 'execute', paths: [], commands: ['rm -rf /'], urls: [] } as never, ruleIds: ['r'], reasons: ['r'] });
    const decide = (decision: 'approve' | 'deny', approverIdentity: RecordIdentity) => () => registry.decide(approval.id, { decision, argsHash: approval.argsHash, approver: approverIdentity.email ?? 'dev', approverIdentity });
    return { approval, outcome, decide, registry };
  }

  it('approverGroups: a signed-out approver and a non-member are refused; a member approves', async () => {
    const h = hold({ approverGroups: ['approvers'], selfApproval: 'allow' }, who('alice', ['engineering']));
    expect(h.approval.requesterIdentity?.sub).toBe('alice');
    expect(h.decide('approve', SIGNED_OUT)).toThrow(expect.objectContaining({ code: 'APPROVER_NOT_ALLOWED', message: expect.stringMatching(/nobody is signed in/) }));
    expect(h.decide('approve', who('bob', ['contractors']))).toThrow(expect.objectContaining({ code: 'APPROVER_NOT_ALLOWED', message: expect.stringMatching(/bob@example\.test is not a member of approvers/) }));
    const done = h.decide('approve', who('carol', ['approvers']))();
    expect(done).toMatchObject({ status: 'approved', approverIdentity: { sub: 'carol' } });
    await expect(h.outcome).resolves.toBe('approved');
  });

  it('selfApproval deny: the requester cannot approve, unknown sides fail closed, anyone may deny', async () => {
    const h = hold({ approverGroups: [], selfApproval: 'deny' }, who('alice', ['approvers']));
    expect(h.decide('approve', who('alice', ['approvers']))).toThrow(expect.objectContaining({ code: 'APPROVER_NOT_ALLOWED', message: expect.stringMatching(/requested this call/) }));
    expect(h.decide('approve', SIGNED_OUT)).toThrow(expect.objectContaining({ code: 'APPROVER_NOT_ALLOWED' }));
    expect(h.decide('deny', who('alice', ['approvers']))()).toMatchObject({ status: 'denied' });
    await expect(h.outcome).resolves.toBe('denied');

    const anon = hold({ approverGroups: [], selfApproval: 'deny' }, SIGNED_OUT);
    expect(anon.decide('approve', who('carol', []))).toThrow(expect.objectContaining({ code: 'APPROVER_NOT_ALLOWED', message: expect.stringMatching(/not known/) }));
    expect(anon.decide('approve', who('carol', []))).toThrow(); // still pending, still refused
    anon.registry.cancel(anon.approval.id, 'test over');
  });

  it('without a rule anyone approves (the default)', () => {
    const h = hold({ approverGroups: [], selfApproval: 'allow' }, who('alice', []));
    expect(h.decide('approve', who('alice', []))()).toMatchObject({ status: 'approved' });
  });
});

describe('the sign-in gate', () => {
  const gate = (s: IdentitySession | null, required = true) => new IdentityGate({ session: () => s, requireSignIn: () => required });
  const req = (path: string, method = 'POST', hasBody = true, host = 'api.business.githubcopilot.com') => ({ method, host, path, hasBody });

  it('signed out and required: prompt-carrying and unknown requests with a body are refused; the token exchange, the model list and bodiless metadata pass', () => {
    const g = gate(null);
    for (const p of ['/chat/completions', '/responses', '/v1/messages', '/v1/engines/gpt/completions', '/embeddings', '/telemetry']) expect(g.judge(req(p)).refusal, p).toBe(SIGN_IN_REQUIRED_MESSAGE);
    expect(g.judge(req('/copilot_internal/v2/token', 'GET', false)).refusal).toBeUndefined();
    expect(g.judge(req('/models', 'GET', false)).refusal).toBeUndefined();
    expect(g.judge(req('/copilot_internal/user', 'GET', false)).refusal).toBeUndefined();
  });

  it('signed in, or not required: nothing refused; a record keeps the identity it was judged with, and one without gets who is signed in now', () => {
    expect(gate(null, false).judge(req('/chat/completions')).refusal).toBeUndefined();
    let s: IdentitySession | null = session('alice', ['engineering']);
    const g = new IdentityGate({ session: () => s, requireSignIn: () => true });
    const v = g.judge(req('/chat/completions'));
    expect(v).toEqual({ identity: expect.objectContaining({ signedIn: true, sub: 'alice' }) });
    s = null; // signed out before the exchange ended: the record still says who asked
    expect(g.stamp(interaction({ identity: v.identity })).identity).toMatchObject({ signedIn: true, sub: 'alice' });
    expect(g.stamp(interaction()).identity).toEqual(SIGNED_OUT);
  });
});

describe('exports map the identity', () => {
  const record = (identity: RecordIdentity | undefined): ExportedRecord => ({ ...interaction({ id: 'r1' }), ...(identity ? { identity } : {}), v: 1, seq: 7, device: 'dev-1', user: 'dev', prevHash: '0'.repeat(64), hash: 'f'.repeat(64) });
  const alice: RecordIdentity = { signedIn: true, sub: 'sub-alice', email: 'alice@example.test', name: 'Alice', groups: ['engineering', 'approvers'], issuer: 'https://idp.example.test' };

  it('OCSF actor.user: uid, email_addr, groups; the OS account name when signed out', () => {
    expect(toOcsf(record(alice)).actor.user).toEqual({ name: 'Alice', uid: 'sub-alice', email_addr: 'alice@example.test', groups: [{ name: 'engineering' }, { name: 'approvers' }] });
    expect(toOcsf(record(SIGNED_OUT)).actor.user).toEqual({ name: 'dev' });
    expect(toOcsf(record(SIGNED_OUT)).unmapped.witness.signed_in).toBe(false);
  });

  it('HAR comment and JSONL field', () => {
    let har = '';
    exportRecords([record(alice), record(SIGNED_OUT)], 'har', (c) => (har += c));
    const entries = (JSON.parse(har) as { log: { entries: Array<{ comment: string; _witness: { identity: RecordIdentity } }> } }).log.entries;
    expect(entries[0]!.comment).toContain('signed in as alice@example.test (sub sub-alice, issuer https://idp.example.test, groups engineering, approvers)');
    expect(entries[1]!.comment).toContain('user dev (not signed in)');
    expect(entries[0]!._witness.identity).toEqual(alice);
    let jsonl = '';
    exportRecords([record(alice)], 'jsonl', (c) => (jsonl += c));
    const line = JSON.parse(jsonl) as Record<string, unknown>;
    expect(line.identity).toEqual(alice);
    expect(Object.keys(line).indexOf('identity')).toBe(Object.keys(line).indexOf('user') + 1);
  });
});
