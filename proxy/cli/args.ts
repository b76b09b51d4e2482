/**
 * Command-line parsing shared by every command: the public flags (--data-dir, --port,
 * --config, --json) mean the same thing everywhere.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { WitnessError } from '../errors.js';
import { dataPaths, defaultDataDir, loadConfigFile, parseConfig, type Config } from '../config/index.js';

const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  port: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export interface CommonArgs {
  dataDir: string;
  configFile: string | null;
  port: number | null;
  json: boolean;
  help: boolean;
  positionals: string[];
  extra: Record<string, string | boolean | undefined>;
}

export function parseCommon(argv: string[], extraOptions: ParseArgsConfig['options'] = {}): CommonArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...extraOptions }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new WitnessError('USAGE', (e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  let port: number | null = null;
  if (typeof v.port === 'string') {
    port = Number(v.port);
    if (!/^\d+$/.test(v.port) || port > 65535) throw new WitnessError('USAGE', `--port must be a number from 0 to 65535, got "${v.port}"`);
  }
  return {
    dataDir: typeof v['data-dir'] === 'string' ? v['data-dir'] : defaultDataDir(),
    configFile: typeof v.config === 'string' ? v.config : null,
    port,
    json: v.json === true,
    help: v.help === true,
    positionals: parsed.positionals,
    extra: v,
  };
}

/** --config FILE, else DATA_DIR/config.json if present, else defaults; then --port. */
export function resolveConfig(args: CommonArgs): { config: Config; source: string } {
  const implicit = dataPaths(args.dataDir).config;
  const file = args.configFile ?? (existsSync(implicit) ? implicit : null);
  const config = file ? loadConfigFile(file) : parseConfig({});
  if (args.port !== null) config.proxy.port = args.port;
  return { config, source: file ?? 'built-in defaults' };
}
