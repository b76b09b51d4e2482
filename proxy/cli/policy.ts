/**
 * `witness policy check FILE` and `witness policy show [--all]`: validate a document; print
 * the effective policy, each value with the layer it came from (lists shortened unless
 * --all expands them).
 */
import { join } from 'node:path';
import { WitnessError } from '../errors.js';
import { managedPolicyPath, policyVersion, readManagedPolicy, readPolicyFile, resolvePolicy, type Policy } from '../policy/index.js';
import { findEngine } from './engine-link.js';
import { parseCommon, unknownSubcommand } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness policy check FILE          validate a policy document (errors name the key path)
       witness policy show [--all] [--json]   the policy in force (the running engine's, else the files'): each value and its layer
  --all   print every entry of long lists (by default lists over ${3} entries are shortened)
  Layers: built-in defaults < DATA_DIR/policy.json (user) < IT-managed, locked (${managedSourcesText()})`;

function managedSourcesText(): string {
  if (process.platform === 'win32') return `${managedPolicyPath()}, then HKLM\\Software\\Policies\\Witness`;
  if (process.platform === 'darwin') return `${managedPolicyPath()}, then the com.witness.desktop configuration profile`;
  return managedPolicyPath();
}

const SHORT_LIST = 3;

export async function policyCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, { all: { type: 'boolean', default: false } }, 'witness policy');
  const [sub, file] = args.positionals;
  if (args.help || !sub) {
    io.out(HELP);
    return args.help ? 0 : 2;
  }
  if (sub === 'check') {
    if (!file) throw new WitnessError('USAGE', 'witness policy check: which file? Usage: witness policy check FILE');
    readPolicyFile(file);
    io.out(`${file}: valid.`);
    return 0;
  }
  if (sub === 'show') {
    // What a running engine enforces (its files may hold an edit it rejected); else what the files say.
    const link = await findEngine(args.dataDir);
    const enforced = link.client ? await link.client.call('policy', {}) : null;
    const eff = enforced ?? resolvePolicy({ userFile: join(args.dataDir, 'policy.json'), managed: readManagedPolicy() });
    const version = enforced?.version ?? policyVersion(eff.policy as Policy);
    if (args.json) {
      io.out(JSON.stringify({ ...eff, version, inForce: enforced !== null, since: enforced?.since ?? null, problem: enforced?.problem ?? null }, null, 2));
      return 0;
    }
    const all = args.extra.all === true;
    if (enforced) io.out(`In force in the running engine (pid ${link.status!.pid}): policy version ${version.slice(0, 12)}, since ${enforced.since}`);
    else io.out(`No engine is running for ${args.dataDir}; these files would be in force: policy version ${version.slice(0, 12)}`);
    if (enforced?.problem) {
      io.out(`PROBLEM since ${enforced.problem.since}: ${enforced.problem.message} [${enforced.problem.code}]`);
      io.out('  The engine keeps enforcing the policy below until the file is fixed.');
    }
    io.out(`Layers: ${eff.layers.map((l) => (l.file ? `${l.name} (${l.file})` : l.name)).join(' < ')}`);
    const keys = Object.keys(eff.source).sort();
    const width = Math.min(40, Math.max(...keys.map((k) => k.length)));
    let shortened = false;
    for (const key of keys) {
      const layer = `${eff.source[key]}${eff.locked.includes(key) ? ', locked' : ''}`;
      const value = valueAt(eff.policy as Record<string, unknown>, key);
      if (Array.isArray(value) && (all || value.length <= SHORT_LIST)) {
        io.out(`  ${key.padEnd(width)}  [${layer}]${value.length ? '' : ' (empty)'}`);
        for (const v of value) io.out(`    - ${format(v)}`);
      } else if (Array.isArray(value)) {
        shortened = true;
        io.out(`  ${key.padEnd(width)}  ${value.slice(0, SHORT_LIST).map(format).join(', ')}, … (${value.length} entries)  [${layer}]`);
      } else {
        io.out(`  ${key.padEnd(width)}  ${format(value)}  [${layer}]`);
      }
    }
    if (shortened) io.out('Lists are shortened: `witness policy show --all` prints every entry.');
    return 0;
  }
  throw unknownSubcommand('witness policy', sub, ['check', 'show']);
}

function valueAt(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function format(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
