/**
 * IT-managed policy from each OS's own channel, read by plain modules with the OS calls
 * injected: reg.exe output for HKLM\Software\Policies\Witness (Windows), plutil's JSON of
 * the managed preferences (macOS), the root-owned /etc/witness/policy.json (Linux). What
 * they set lands in the managed layer, locked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../proxy/policy/index.js';
import { parseRegQuery, policyFromRegistry, readManagedPolicy, type ManagedPolicyDeps } from '../../proxy/policy/managed/index.js';
import { isWitnessError } from '../../proxy/errors.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const NOT_FOUND = 'ERROR: The system was unable to find the specified registry key or value.\r\n';
const noFiles = { exists: () => false };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isWitnessError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
}

describe('Windows: HKLM\\Software\\Policies\\Witness', () => {
  it('parses reg.exe output: names, types, data with spaces, multi-strings', () => {
    const values = parseRegQuery(fixture('reg-query-witness.txt'));
    expect(values.map((v) => [v.name, v.type])).toEqual([
      ['masking.requests', 'REG_SZ'],
      ['approvals.timeoutSeconds', 'REG_DWORD'],
      ['approvals.onTimeout', 'REG_SZ'],
      ['protectedPaths', 'REG_MULTI_SZ'],
      ['tools', 'REG_SZ'],
      ['protectedCommands', 'REG_SZ'],
      ['desktop.startAtLogin', 'REG_SZ'],
      ['plans.message', 'REG_SZ'],
    ]);
    expect(values.at(-1)!.data).toBe('Use your company Copilot seat    (see the intranet)');
  });

  it('turns the values into the managed layer, each converted by its type in the policy schema, and locks them', () => {
    const managed = readManagedPolicy({ platform: 'win32', env: { ProgramData: 'C:\\ProgramData' }, ...noFiles, run: () => ({ status: 0, stdout: fixture('reg-query-witness.txt'), stderr: '' }) });
    expect(managed!.sources.map((s) => s.location)).toEqual(['HKLM\\Software\\Policies\\Witness']);
    const eff = resolvePolicy({ managed });
    expect(eff.policy.masking.requests).toBe('block');
    expect(eff.policy.approvals).toEqual({ timeoutSeconds: 60, onTimeout: 'deny', approverGroups: [], selfApproval: 'allow' });
    expect(eff.policy.protectedPaths).toEqual(['**/.env*', 'secrets/**', 'deploy\\prod\\**']);
    expect(eff.policy.tools).toEqual({ fetch_webpage: 'deny', run_in_terminal: 'ask' });
    expect(eff.policy.protectedCommands).toEqual([{ id: 'prod-deploy', pattern: String.raw`\bdeploy\s+--prod\b`, description: 'deploys to production', decision: 'deny' }]);
    expect(eff.policy.desktop.startAtLogin).toBe('always');
    expect(eff.source['approvals.timeoutSeconds']).toBe('managed');
    expect(eff.locked).toEqual(expect.arrayContaining(['masking.requests', 'approvals.timeoutSeconds', 'protectedPaths', 'tools.fetch_webpage', 'desktop.startAtLogin']));
    expect(eff.layers).toContainEqual({ name: 'managed', file: 'HKLM\\Software\\Policies\\Witness' });
  });

  it('means no Group Policy when the key does not exist', () => {
    expect(readManagedPolicy({ platform: 'win32', env: {}, ...noFiles, run: () => ({ status: 1, stdout: '', stderr: NOT_FOUND }) })).toBeNull();
  });

  it('keeps the ProgramData file as a managed source, with the registry over it', () => {
    // On Windows the path is C:\ProgramData\Witness\policy.json; path.join here joins with "/".
    const programData = join('C:\\ProgramData', 'Witness', 'policy.json');
    const deps: ManagedPolicyDeps = {
      platform: 'win32',
      env: { ProgramData: 'C:\\ProgramData' },
      exists: (f) => f === programData,
      readText: () => '{"masking":{"requests":"allow","responses":"allow"}}',
      run: () => ({ status: 0, stdout: fixture('reg-query-witness.txt'), stderr: '' }),
    };
    const eff = resolvePolicy({ managed: readManagedPolicy(deps) });
    expect(eff.policy.masking).toMatchObject({ requests: 'block', responses: 'allow' });
  });

  it('refuses values that are not policy settings, or of the wrong type, naming the value', () => {
    expect(codeOf(() => policyFromRegistry(parseRegQuery('    masking.request    REG_SZ    block\r\n')))).toMatch(/^CONFIG_INVALID: .*"masking\.request" that is not a Witness policy setting/);
    expect(codeOf(() => policyFromRegistry(parseRegQuery('    approvals.timeoutSeconds    REG_SZ    two minutes\r\n')))).toMatch(/^CONFIG_INVALID: .*approvals\.timeoutSeconds \(REG_SZ\): expected a number/);
    expect(codeOf(() => policyFromRegistry(parseRegQuery('    tools    REG_SZ    {fetch: deny}\r\n')))).toMatch(/^CONFIG_INVALID: .*tools \(REG_SZ\): not valid JSON/);
    // A value of the right type but not allowed by the schema is refused by the policy check.
    const managed = { sources: [{ location: 'HKLM\\Software\\Policies\\Witness', doc: policyFromRegistry(parseRegQuery('    approvals.timeoutSeconds    REG_DWORD    0x1\r\n')) }] };
    expect(codeOf(() => resolvePolicy({ managed }))).toMatch(/^CONFIG_INVALID: [\s\S]*approvals\.timeoutSeconds: Too small/);
  });

  it('fails loudly when the registry cannot be read at all', () => {
    expect(codeOf(() => readManagedPolicy({ platform: 'win32', env: {}, ...noFiles, run: () => ({ status: 1, stdout: '', stderr: 'ERROR: Access is denied.' }) }))).toMatch(/^CONFIG_UNREADABLE: Cannot read HKLM\\Software\\Policies\\Witness: ERROR: Access is denied\./);
  });
});

describe('macOS: managed preferences (configuration profile)', () => {
  const device = '/Library/Managed Preferences/com.witness.desktop.plist';
  const user = '/Library/Managed Preferences/ada/com.witness.desktop.plist';
  const deps = (present: string[]): ManagedPolicyDeps => ({
    platform: 'darwin',
    user: 'ada',
    exists: (f) => present.includes(f),
    run: (file, args) => {
      expect(file).toBe('/usr/bin/plutil');
      const plist = args.at(-1)!;
      return { status: 0, stdout: plist === device ? fixture('plutil-device.json') : fixture('plutil-user.json'), stderr: '' };
    },
  });

  it('reads the device profile over the user profile, without the profile\'s own Payload keys', () => {
    const managed = readManagedPolicy(deps([device, user]))!;
    expect(managed.sources.map((s) => s.location)).toEqual([user, device]);
    expect(managed.sources[1]!.doc).not.toHaveProperty('PayloadUUID');
    const eff = resolvePolicy({ managed });
    expect(eff.policy.approvals.timeoutSeconds).toBe(300);
    expect(eff.policy.approvals.onTimeout).toBe('deny');
    expect(eff.policy.urls.allow).toEqual(['docs.example.com/**']);
    expect(eff.policy.protectedPaths).toEqual(['**/.env*', 'finance/**']);
    expect(eff.locked).toEqual(expect.arrayContaining(['approvals.timeoutSeconds', 'urls.allow', 'protectedPaths', 'desktop.startAtLogin']));
  });

  it('has no managed layer without a profile, and fails loudly on one plutil cannot read', () => {
    expect(readManagedPolicy(deps([]))).toBeNull();
    expect(codeOf(() => readManagedPolicy({ ...deps([device]), run: () => ({ status: 1, stdout: '', stderr: 'Property List error: Unexpected character' }) }))).toMatch(/^CONFIG_UNREADABLE: Cannot read managed preferences .*Unexpected character/);
  });
});

describe('Linux: /etc/witness/policy.json', () => {
  const file = '/etc/witness/policy.json';
  const deps = (st: { uid: number; mode: number; file?: boolean }, text = '{"protectedPaths":["**/.env*","ops/**"]}'): ManagedPolicyDeps => ({
    platform: 'linux',
    exists: (f) => f === file,
    readText: () => text,
    stat: () => ({ isFile: () => st.file ?? true, uid: st.uid, mode: st.mode }),
  });

  it('reads a root-owned file nobody else can write, and locks what it sets', () => {
    const eff = resolvePolicy({ managed: readManagedPolicy(deps({ uid: 0, mode: 0o100644 })) });
    expect(eff.policy.protectedPaths).toEqual(['**/.env*', 'ops/**']);
    expect(eff.locked).toEqual(['protectedPaths']);
    expect(eff.layers).toContainEqual({ name: 'managed', file });
  });

  it('refuses a file another user owns or can change, saying how to fix it', () => {
    expect(codeOf(() => readManagedPolicy(deps({ uid: 1000, mode: 0o100644 })))).toMatch(/^CONFIG_INVALID: The managed policy \/etc\/witness\/policy\.json is not owned by root.*sudo chown root:root/);
    expect(codeOf(() => readManagedPolicy(deps({ uid: 0, mode: 0o100666 })))).toMatch(/can be changed by other users/);
    expect(codeOf(() => readManagedPolicy(deps({ uid: 0, mode: 0o100664 })))).toMatch(/can be changed by other users/);
    expect(codeOf(() => readManagedPolicy(deps({ uid: 0, mode: 0o40755, file: false })))).toMatch(/is not a regular file/);
  });

  it('refuses a file that is not JSON', () => {
    expect(codeOf(() => readManagedPolicy(deps({ uid: 0, mode: 0o100644 }, '{"protectedPaths": [')))).toMatch(/^CONFIG_INVALID: Policy file \/etc\/witness\/policy\.json is not valid JSON/);
  });
});
