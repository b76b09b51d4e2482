/**
 * Reading the configuration: file → schema → effective config. A bad file fails here, at start,
 * with the key's path and the reason, never later in the middle of a request.
 */
import { readFileSync } from 'node:fs';
import { formatIssues, WitnessError } from '../errors.js';
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
