/**
 * LivePolicy: every layer's file watched (real fs events in temp folders), re-read,
 * validated, swapped whole; a bad layer keeps the last good policy and stands as a problem
 * until fixed; the version is the hash of the rules, not of where they came from.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LivePolicy, managedPolicyFiles, policyVersion, resolvePolicy, type PolicyInForce, type PolicyProblem } from '../../proxy/policy/index.js';

const live: LivePolicy[] = [];
afterEach(() => {
  for (const l of live.splice(0)) l.stop();
});

function setup(opts: { watch?: boolean; pollMs?: number; user?: unknown; managed?: unknown } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'witness-live-policy-'));
  const userFile = join(dir, 'user', 'policy.json');
  const managedFile = join(dir, 'it', 'policy.json');
  mkdirSync(join(dir, 'user'));
  mkdirSync(join(dir, 'it'));
  if (opts.user !== undefined) writeFileSync(userFile, JSON.stringify(opts.user));
  if (opts.managed !== undefined) writeFileSync(managedFile, JSON.stringify(opts.managed));
  const changes: Array<{ next: PolicyInForce; previous: PolicyInForce }> = [];
  const problems: Array<PolicyProblem | null> = [];
  const p = new LivePolicy({
    load: () => resolvePolicy({ userFile, managedFile }),
    files: [userFile, managedFile],
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    ...(opts.watch === false ? { watch: () => () => undefined } : {}),
    debounceMs: 50,
    onChange: (next, previous) => changes.push({ next, previous }),
    onProblem: (problem) => problems.push(problem),
  });
  live.push(p);
  p.start();
  return { p, dir, userFile, managedFile, changes, problems };
}

describe('live policy', () => {
  it('picks up a file replaced by rename (how editors save) and swaps the compiled policy whole', async () => {
    const s = setup({ user: { protectedPaths: ['a/**'] } });
    const before = s.p.current();
    expect(before.compiled.protectedPaths.match('a/x')).not.toBeNull();
    writeFileSync(`${s.userFile}.tmp`, JSON.stringify({ protectedPaths: ['b/**'] }));
    renameSync(`${s.userFile}.tmp`, s.userFile);
    await expect.poll(() => s.changes.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const now = s.p.current();
    expect(now.version).not.toBe(before.version);
    expect(now.compiled.protectedPaths.match('a/x')).toBeNull();
    expect(now.compiled.protectedPaths.match('b/x')).not.toBeNull();
    expect(now.effective.policy.protectedPaths).toEqual(['b/**']);
    expect(s.changes[0]).toMatchObject({ next: { version: now.version }, previous: { version: before.version } });
  });

  it('watches a layer whose file does not exist yet, and the managed layer with its locks', async () => {
    const s = setup({});
    expect(s.p.current().effective.layers.map((l) => l.name)).toEqual(['default']);
    writeFileSync(s.managedFile, JSON.stringify({ approvals: { timeoutSeconds: 30 } }));
    await expect.poll(() => s.p.current().effective.locked, { timeout: 10_000 }).toEqual(['approvals.timeoutSeconds']);
    expect(s.p.current().effective.policy.approvals.timeoutSeconds).toBe(30);
    // The user's file cannot change a locked key, live or not.
    writeFileSync(s.userFile, JSON.stringify({ approvals: { timeoutSeconds: 600 } }));
    await expect.poll(() => s.p.current().effective.layers.map((l) => l.name), { timeout: 10_000 }).toEqual(['default', 'user', 'managed']);
    expect(s.p.current().effective.policy.approvals.timeoutSeconds).toBe(30);
    rmSync(s.managedFile);
    await expect.poll(() => s.p.current().effective.policy.approvals.timeoutSeconds, { timeout: 10_000 }).toBe(600);
    expect(s.p.current().effective.locked).toEqual([]);
  });

  it('re-reads periodically where no file event comes (the Windows registry, network folders)', async () => {
    const s = setup({ watch: false, pollMs: 100, user: { unknownTools: 'allow' } });
    writeFileSync(s.userFile, JSON.stringify({ unknownTools: 'deny' }));
    await expect.poll(() => s.p.current().effective.policy.unknownTools, { timeout: 10_000 }).toBe('deny');
  });

  it('keeps the last good policy while a layer is bad, reports the problem once, and clears it when fixed', async () => {
    const s = setup({ watch: false, user: { protectedPaths: ['a/**'] } });
    const good = s.p.current();
    writeFileSync(s.userFile, '{ "protectedPaths": [');
    expect(s.p.reload()).toMatchObject({ changed: false, problem: { code: 'CONFIG_INVALID', message: expect.stringContaining(`${s.userFile} is not valid JSON`) } });
    expect(s.p.current()).toBe(good);
    s.p.reload();
    expect(s.problems).toHaveLength(1);
    writeFileSync(s.userFile, JSON.stringify({ protectedPaths: 'a/**' }));
    expect(s.p.reload().problem?.message).toMatch(/protectedPaths/);
    expect(s.problems).toHaveLength(2);
    expect(s.p.current()).toBe(good);
    writeFileSync(s.userFile, JSON.stringify({ protectedPaths: ['a/**'] }));
    expect(s.p.reload()).toEqual({ changed: false, problem: null });
    expect(s.problems.at(-1)).toBeNull();
    expect(s.p.problem).toBeNull();
    expect(s.changes).toEqual([]);
  });

  it('versions the rules, not their layout: the same rules from another layer keep version and since', () => {
    const s = setup({ watch: false, user: { unknownTools: 'deny' } });
    const before = s.p.current();
    writeFileSync(s.managedFile, JSON.stringify({ unknownTools: 'deny' }));
    expect(s.p.reload().changed).toBe(true);
    expect(s.p.current()).toMatchObject({ version: before.version, since: before.since });
    expect(s.p.current().effective.locked).toEqual(['unknownTools']);
    expect(before.version).toBe(policyVersion(before.effective.policy));
    expect(before.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a bad layer at start fails the start: there is no last good policy to keep', () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-live-policy-'));
    const userFile = join(dir, 'policy.json');
    writeFileSync(userFile, '[1, 2');
    expect(() => new LivePolicy({ load: () => resolvePolicy({ userFile }), files: [userFile] })).toThrow(/not valid JSON/);
  });

  it('watches the file of each IT source on each OS (the registry is polled)', () => {
    expect(managedPolicyFiles({ platform: 'linux' })).toEqual(['/etc/witness/policy.json']);
    expect(managedPolicyFiles({ platform: 'win32', env: { ProgramData: 'D:\\ProgramData' } })).toEqual([join('D:\\ProgramData', 'Witness', 'policy.json')]);
    expect(managedPolicyFiles({ platform: 'darwin', user: 'ada' })).toEqual([
      '/Library/Application Support/Witness/policy.json',
      '/Library/Managed Preferences/ada/com.witness.desktop.plist',
      '/Library/Managed Preferences/com.witness.desktop.plist',
    ]);
  });
});
