/**
 * Policy layers: built-in defaults < user file < IT-managed file (locked) < central
 * (signed, later). Objects merge key by key; arrays and scalars are replaced. The result
 * records, for every leaf key, which layer set it, and which keys IT has locked (a key the
 * IT-managed file sets cannot be changed by the user file, whatever the order).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatIssues, WitnessError } from '../errors.js';
import { DEFAULT_POLICY } from './defaults.js';
import type { ManagedPolicy } from './managed/index.js';
import { PolicySchema, type Policy } from './schema.js';

export type LayerName = 'default' | 'user' | 'managed' | 'central';

export interface EffectivePolicy {
  policy: Policy;
  /** key path ("approvals.timeoutSeconds") → layer that set it */
  source: Record<string, LayerName>;
  locked: string[];
  layers: Array<{ name: LayerName; file: string | null }>;
}

/** Where IT puts the managed policy on each OS. */
export function managedPolicyPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  switch (platform) {
    case 'win32':
      return join(env.ProgramData ?? 'C:\\ProgramData', 'Witness', 'policy.json');
    case 'darwin':
      return '/Library/Application Support/Witness/policy.json';
    default:
      return '/etc/witness/policy.json';
  }
}

const PartialPolicy = PolicySchema.partial();

/** Validates a policy document (complete or partial); errors name the key path. */
function checkPolicyDocument(doc: unknown, source: string): Record<string, unknown> {
  const r = PartialPolicy.safeParse(doc);
  if (!r.success) throw new WitnessError('CONFIG_INVALID', formatIssues(r.error, source));
  return doc as Record<string, unknown>;
}

export function readPolicyFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WitnessError('CONFIG_UNREADABLE', `Cannot read policy file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WitnessError('CONFIG_INVALID', `Policy file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return checkPolicyDocument(json, `policy file ${file}`);
}

export function resolvePolicy(
  opts: {
    userFile?: string | null;
    managedFile?: string | null;
    /** IT's sources on this OS (registry, managed preferences, root-owned file): readManagedPolicy(). */
    managed?: ManagedPolicy | null;
    central?: Record<string, unknown> | null;
  } = {},
): EffectivePolicy {
  const layers: EffectivePolicy['layers'] = [{ name: 'default', file: null }];
  const docs: Array<[LayerName, Record<string, unknown>]> = [['default', DEFAULT_POLICY as Record<string, unknown>]];
  if (opts.userFile && existsSync(opts.userFile)) {
    docs.push(['user', readPolicyFile(opts.userFile)]);
    layers.push({ name: 'user', file: opts.userFile });
  }
  const managedDocs: Array<Record<string, unknown>> = [];
  if (opts.managedFile && existsSync(opts.managedFile)) {
    managedDocs.push(readPolicyFile(opts.managedFile));
    layers.push({ name: 'managed', file: opts.managedFile });
  }
  for (const s of opts.managed?.sources ?? []) {
    managedDocs.push(checkPolicyDocument(s.doc, `managed policy ${s.location}`));
    layers.push({ name: 'managed', file: s.location });
  }
  for (const doc of managedDocs) docs.push(['managed', doc]);
  if (opts.central) {
    docs.push(['central', checkPolicyDocument(opts.central, 'central policy')]);
    layers.push({ name: 'central', file: null });
  }
  const merged: Record<string, unknown> = {};
  const source: Record<string, LayerName> = {};
  for (const [name, doc] of docs) mergeInto(merged, doc, '', name, source);
  const parsed = PolicySchema.safeParse(merged);
  if (!parsed.success) throw new WitnessError('CONFIG_INVALID', formatIssues(parsed.error, 'effective policy'));
  // Keys the schema filled in come from the defaults layer.
  for (const key of leafKeys(parsed.data)) source[key] ??= 'default';
  return { policy: parsed.data, source, locked: [...new Set(managedDocs.flatMap((d) => leafKeys(d)))], layers };
}

function mergeInto(target: Record<string, unknown>, doc: Record<string, unknown>, prefix: string, layer: LayerName, source: Record<string, LayerName>) {
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && k !== 'tools') {
      const t = (target[k] && typeof target[k] === 'object' ? target[k] : (target[k] = {})) as Record<string, unknown>;
      mergeInto(t, v as Record<string, unknown>, key, layer, source);
    } else if (k === 'tools' && v && typeof v === 'object') {
      const t = (target[k] ??= {}) as Record<string, unknown>;
      for (const [tool, d] of Object.entries(v as Record<string, unknown>)) {
        t[tool] = d;
        source[`${key}.${tool}`] = layer;
      }
    } else {
      target[k] = v;
      source[key] = layer;
    }
  }
}

function leafKeys(o: unknown, prefix = ''): string[] {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return prefix ? [prefix] : [];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}


