/** `witness config schema|check`: the configuration reference and a validator. */
import { z } from 'zod';
import { ConfigSchema, loadConfigFile } from '../config/index.js';
import { WitnessError } from '../errors.js';
import { parseCommon, unknownSubcommand } from './args.js';
import type { CommandIO } from './io.js';

export async function configCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, {}, 'witness config');
  const [sub, file] = args.positionals;
  if (args.help || !sub) {
    io.out('Usage: witness config schema          print the JSON Schema of the config file\n       witness config check FILE      validate a config file (errors name the key path)');
    return args.help ? 0 : 2;
  }
  if (sub === 'schema') {
    io.out(JSON.stringify(z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }), null, 2));
    return 0;
  }
  if (sub === 'check') {
    if (!file) throw new WitnessError('USAGE', 'witness config check: which file? Usage: witness config check FILE');
    const config = loadConfigFile(file);
    io.out(args.json ? JSON.stringify(config, null, 2) : `${file}: valid.`);
    return 0;
  }
  throw unknownSubcommand('witness config', sub, ['schema', 'check']);
}
