/**
 * The IT-managed policy layer, from wherever IT puts it on this OS:
 *   Windows  HKLM\Software\Policies\Witness (Group Policy, ADMX) over %ProgramData%\Witness\policy.json
 *   macOS    managed preferences for com.witness.desktop (configuration profile) over
 *            /Library/Application Support/Witness/policy.json
 *   Linux    /etc/witness/policy.json (root-owned)
 * Every key found here is locked for the user. The OS is reached through the injected
 * `run` and `fs`, so each source is tested with recorded output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { WitnessError } from '../../errors.js';
import { checkManagedFile, LINUX_POLICY_FILE, type FileStat } from './linux-file.js';
import { managedPreferenceFiles, policyFromPlutil } from './macos-preferences.js';
import { parseRegQuery, policyFromRegistry, POLICY_KEY } from './windows-registry.js';

export { policyLeaves, type PolicyLeaf, type LeafKind } from './leaves.js';
export { MAC_PREFERENCE_DOMAIN } from './macos-preferences.js';
export { POLICY_KEY as WINDOWS_POLICY_KEY, parseRegQuery, policyFromRegistry } from './windows-registry.js';
export { LINUX_POLICY_FILE } from './linux-file.js';

export interface ManagedPolicy {
  /** Each source that set something, most important last (merged in this order). */
  sources: Array<{ location: string; doc: Record<string, unknown> }>;
}

export interface ManagedPolicyDeps {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Runs a program; status null/non-zero on failure. */
  run?(file: string, args: string[]): { status: number | null; stdout: string; stderr: string };
  exists?(file: string): boolean;
  readText?(file: string): string;
  stat?(file: string): FileStat;
  user?: string;
}

export function readManagedPolicy(deps: ManagedPolicyDeps = {}): ManagedPolicy | null {
  const platform = deps.platform ?? process.platform;
  const env = deps.env ?? process.env;
  const exists = deps.exists ?? existsSync;
  const readText = deps.readText ?? ((f: string) => readFileSync(f, 'utf8'));
  const run = deps.run ?? runSync;
  const sources: ManagedPolicy['sources'] = [];
  const file = (path: string, check?: (st: FileStat) => void) => {
    if (!exists(path)) return;
    check?.((deps.stat ?? statSync)(path));
    sources.push({ location: path, doc: parseJsonFile(path, readText(path)) });
  };

  if (platform === 'win32') {
    file(join(env.ProgramData ?? 'C:\\ProgramData', 'Witness', 'policy.json'));
    const r = run('reg.exe', ['query', POLICY_KEY]);
    // Exit 1 with "unable to find the specified registry key": no Group Policy for Witness.
    if (r.status === 0) {
      const doc = policyFromRegistry(parseRegQuery(r.stdout));
      if (Object.keys(doc).length) sources.push({ location: POLICY_KEY, doc });
    } else if (!/unable to find/i.test(r.stderr)) {
      throw new WitnessError('CONFIG_UNREADABLE', `Cannot read ${POLICY_KEY}: ${r.stderr.trim() || `reg.exe exited ${r.status}`}`);
    }
  } else if (platform === 'darwin') {
    file('/Library/Application Support/Witness/policy.json');
    for (const plist of managedPreferenceFiles(deps.user ?? safeUser())) {
      if (!exists(plist)) continue;
      const r = run('/usr/bin/plutil', ['-convert', 'json', '-o', '-', '--', plist]);
      if (r.status !== 0) throw new WitnessError('CONFIG_UNREADABLE', `Cannot read managed preferences ${plist}: ${r.stderr.trim() || `plutil exited ${r.status}`}`);
      const doc = policyFromPlutil(r.stdout, plist);
      if (Object.keys(doc).length) sources.push({ location: plist, doc });
    }
  } else {
    file(LINUX_POLICY_FILE, (st) => checkManagedFile(LINUX_POLICY_FILE, st));
  }
  return sources.length ? { sources } : null;
}

/**
 * The files IT's sources live in on this OS, existing or not, for watching: the JSON file,
 * and on macOS the managed-preference plists. The Windows registry has no file: it is
 * re-read periodically.
 */
export function managedPolicyFiles(deps: Pick<ManagedPolicyDeps, 'platform' | 'env' | 'user'> = {}): string[] {
  const platform = deps.platform ?? process.platform;
  const env = deps.env ?? process.env;
  if (platform === 'win32') return [join(env.ProgramData ?? 'C:\\ProgramData', 'Witness', 'policy.json')];
  if (platform === 'darwin') return ['/Library/Application Support/Witness/policy.json', ...managedPreferenceFiles(deps.user ?? safeUser())];
  return [LINUX_POLICY_FILE];
}

function parseJsonFile(file: string, text: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(text) as unknown;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch (e) {
    throw new WitnessError('CONFIG_INVALID', `Policy file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  throw new WitnessError('CONFIG_INVALID', `Policy file ${file} must hold a JSON object.`);
}

function runSync(file: string, args: string[]) {
  try {
    const stdout = execFileSync(file, args, { encoding: 'utf8', windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return { status: err.status ?? null, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? err.message) };
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}
