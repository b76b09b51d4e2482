/** `witness policy check FILE` and `witness policy show`: validate a document; print the effective policy and where each value came from. */
import { join } from 'node:path';
import { WitnessError } from '../errors.js';
import { managedPolicyPath, readManagedPolicy, readPolicyFile, resolvePolicy } from '../policy/index.js';
import { parseCommon } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness policy check FILE      validate a policy document (errors name the key path)
       witness policy show [--json]       the effective policy, with the layer each value came from
  Layers: built-in defaults < DATA_DIR/policy.json (user) < IT-managed, locked (${managedSourcesText()})`;

function managedSourcesText(): string {
  if (process.platform === 'win32') return `${managedPolicyPath()}, then HKLM\\Software\\Policies\\Witness`;
  if (process.platform === 'darwin') return `${managedPolicyPath()}, then the com.witness.desktop configuration profile`;
  return managedPolicyPath();
}

export async function policyCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv);
  const [sub, file] = args.positionals;
  if (sub === 'check') {
    if (!file) throw new WitnessError('USAGE', 'Usage: witness policy check FILE');
    readPolicyFile(file);
    io.out(`${file}: valid.`);
    return 0;
  }
  if (sub === 'show') {
    const eff = resolvePolicy({ userFile: join(args.dataDir, 'policy.json'), managed: readManagedPolicy() });
    if (args.json) io.out(JSON.stringify(eff, null, 2));
    else {
      io.out(`Layers: ${eff.layers.map((l) => (l.file ? `${l.name} (${l.file})` : l.name)).join(' < ')}`);
      for (const [key, layer] of Object.entries(eff.source).sort()) {
        io.out(`  ${key.padEnd(40)} ${layer}${eff.locked.includes(key) ? ' (locked)' : ''}`);
      }
    }
    return 0;
  }
  io.out(HELP);
  return sub ? 2 : 0;
}
