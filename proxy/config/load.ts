/**
 * Reading the configuration: file → schema → effective config. A bad file fails here, at start,
 * with the key's path and the reason, never later in the middle of a request.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { WitnessError } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';

export function parseConfig(input: unknown, source = 'configuration'): Config {
  const result = ConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new WitnessError('CONFIG_INVALID', formatIssues(result.error, source));
}

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WitnessError('CONFIG_UNREADABLE', `Cannot read config file ${file}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw new WitnessError('CONFIG_INVALID', `Config file ${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseConfig(json, `config file ${file}`);
}

/** "intercept.hosts[2]: must be a DNS name …" — one line per problem. */
export function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => `  ${formatPath([...issue.path, k])}: unknown key (check the spelling against \`witness config schema\`)`)
      : [`  ${formatPath(issue.path) || '(root)'}: ${issue.message}`],
  );
  return `Invalid ${source}:\n${lines.join('\n')}`;
}

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
