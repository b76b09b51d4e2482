/**
 * Command-line parsing shared by every command: the public flags (--data-dir, --port,
 * --config, --json, --help) mean the same thing everywhere. Mistakes end in one line that
 * says what is valid: an unknown flag names the command's flags and the closest one, and
 * numeric and enumerated flags are checked here, before any command runs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { WitnessError } from '../errors.js';
import { dataPaths, defaultDataDir, loadConfigFile, parseConfig, type Config } from '../config/index.js';
import { didYouMean } from './suggest.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** A whole number within [min, max]. */
  int?: readonly [number, number];
  /** One of these values. */
  oneOf?: readonly string[];
}
export type FlagSpecs = Record<string, FlagSpec>;

const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  port: { type: 'string', int: [0, 65535] },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies FlagSpecs;

export interface CommonArgs {
  /** The command, for messages ("witness search"). */
  command: string;
  dataDir: string;
  /** True when --data-dir (or WITNESS_DATA_DIR) chose the data dir. */
  dataDirGiven: boolean;
  configFile: string | null;
  port: number | null;
  json: boolean;
  help: boolean;
  positionals: string[];
  extra: Record<string, string | boolean | undefined>;
}

export function parseCommon(argv: string[], extraOptions: FlagSpecs = {}, command = 'witness'): CommonArgs {
  const specs: FlagSpecs = { ...COMMON_OPTIONS, ...extraOptions };
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.default !== undefined ? { default: s.default } : {}) }]),
  ) as ParseArgsConfig['options'];
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new WitnessError('USAGE', explainParseError(e as NodeJS.ErrnoException, specs, command));
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  for (const [name, s] of Object.entries(specs)) {
    const value = v[name];
    if (typeof value !== 'string') continue;
    if (s.int) {
      const [min, max] = s.int;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) throw new WitnessError('USAGE', `${command}: --${name} must be a number from ${min} to ${max} (got "${value}").`);
    }
    if (s.oneOf && !s.oneOf.includes(value)) {
      throw new WitnessError('USAGE', `${command}: --${name} must be one of ${s.oneOf.join(', ')} (got "${value}").${didYouMean(value, s.oneOf)}`);
    }
  }
  const envDir = process.env.WITNESS_DATA_DIR;
  return {
    command,
    dataDir: typeof v['data-dir'] === 'string' ? v['data-dir'] : defaultDataDir(),
    dataDirGiven: typeof v['data-dir'] === 'string' || Boolean(envDir),
    configFile: typeof v.config === 'string' ? v.config : null,
    port: typeof v.port === 'string' ? Number(v.port) : null,
    json: v.json === true,
    help: v.help === true,
    positionals: parsed.positionals,
    extra: v,
  };
}

/** Node's parser says "Unknown option '--lmit'. To specify a positional …"; we say what is valid. */
function explainParseError(e: NodeJS.ErrnoException, specs: FlagSpecs, command: string): string {
  const flags = Object.keys(specs).map((f) => `--${f}`);
  const valid = `Valid options: ${flags.join(', ')}. See \`${command} --help\`.`;
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const opt = unknown[1]!;
    return `${command}: unknown option ${opt}.${didYouMean(opt.replace(/^-+/, ''), Object.keys(specs), (s) => `--${s}`)} ${valid}`;
  }
  const needsValue = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(e.message);
  if (needsValue) return `${command}: ${needsValue[1]} needs a value. ${valid}`;
  const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(e.message);
  if (noValue) return `${command}: ${noValue[1]} takes no value. ${valid}`;
  return `${command}: ${e.message.split('\n')[0]} ${valid}`;
}

/** Rejects a sub-command that is not one of `valid`, with the closest one. */
export function unknownSubcommand(command: string, sub: string, valid: readonly string[]): WitnessError {
  return new WitnessError('USAGE', `${command}: unknown command "${sub}".${didYouMean(sub, valid)} Valid: ${valid.join(', ')}. See \`${command} --help\`.`);
}

/** --config FILE, else DATA_DIR/config.json if present, else defaults; then --port. */
export function resolveConfig(args: CommonArgs): { config: Config; source: string } {
  const implicit = dataPaths(args.dataDir).config;
  const file = args.configFile ?? (existsSync(implicit) ? implicit : null);
  const config = file ? loadConfigFile(file) : parseConfig({});
  if (args.port !== null) config.proxy.port = args.port;
  return { config, source: file ?? 'built-in defaults' };
}
