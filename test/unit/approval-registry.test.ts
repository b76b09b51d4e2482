/** The approval registry: decisions bound to the argument hash, timeouts by policy, cancellation. */
import { describe, expect, it } from 'vitest';
import { ApprovalRegistry, argsHash, type Approval, type ApprovalRequest } from '../../proxy/approvals/index.js';

const req = (args: string, tool = 'run_in_terminal'): ApprovalRequest => ({
  exchangeId: 'x1',
  host: 'api.business.githubcopilot.com',
  client: 'VS Code',
  requester: 'dev',
  tool,
  arguments: args,
  operation: { tool, class: 'execute', paths: [], commands: ['rm -rf build'], urls: [], unparsable: false, previews: [] },
  ruleIds: ['ask:command'],
  reasons: ['runs a command'],
});

describe('ApprovalRegistry', () => {
  it('binds a decision to the canonical arguments: key order does not matter, a different command does', () => {
    expect(argsHash('t', '{"a":1,"b":2}')).toBe(argsHash('t', '{ "b": 2, "a": 1 }'));
    expect(argsHash('t', '{"a":1}')).not.toBe(argsHash('t', '{"a":2}'));
    expect(argsHash('t', 'raw text')).not.toBe(argsHash('u', 'raw text'));
  });

  it('approves only with the hash of the held arguments; the outcome settles once', async () => {
    const decided: Approval[] = [];
    const r = new ApprovalRegistry({ timeoutMs: 60_000, onTimeout: 'deny', onDecided: (a) => decided.push(a) });
    const { approval, outcome } = r.request(req('{"command":"rm -rf build"}'));
    expect(r.list().map((a) => a.id)).toEqual([approval.id]);
    expect(() => r.decide(approval.id, { decision: 'approve', argsHash: argsHash('run_in_terminal', '{"command":"rm -rf /"}'), approver: 'me' })).toThrow(/hash mismatch/);
    r.decide(approval.id, { decision: 'approve', argsHash: approval.argsHash, approver: 'me', reason: 'fine' });
    expect(await outcome).toBe('approved');
    expect(r.list()).toEqual([]);
    expect(r.get(approval.id)).toMatchObject({ status: 'approved', approver: 'me', reason: 'fine' });
    expect(() => r.decide(approval.id, { decision: 'deny', argsHash: approval.argsHash, approver: 'me' })).toThrow(/already approved/);
    expect(decided).toHaveLength(1);
  });

  it('a hold nobody answers takes the policy timeout decision', async () => {
    const deny = new ApprovalRegistry({ timeoutMs: 20, onTimeout: 'deny' });
    expect(await deny.request(req('{}')).outcome).toBe('timed-out');
    const allow = new ApprovalRegistry({ timeoutMs: 20, onTimeout: 'allow' });
    const { approval, outcome } = allow.request(req('{}'));
    expect(approval.defaultDecision).toBe('approve');
    expect(await outcome).toBe('approved');
    expect(allow.get(approval.id)).toMatchObject({ approver: 'witness', reason: 'no decision within 0 s' });
  });

  it('cancellation settles as cancelled and says why', async () => {
    const r = new ApprovalRegistry({ timeoutMs: 60_000, onTimeout: 'deny' });
    const { approval, outcome } = r.request(req('{}'));
    r.cancel(approval.id, 'the client closed the connection');
    expect(await outcome).toBe('cancelled');
    expect(r.get(approval.id)).toMatchObject({ status: 'cancelled', reason: 'the client closed the connection' });
  });
});
