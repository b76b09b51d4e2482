/**
 * Policy layers: built-in defaults < user file < IT-managed file (locked) < central
 * (the server's signed bundle, verified by sync/) < the profiles the signed-in person's groups select (`profiles`, applied
 * in the order given; a profile defined in the user file cannot change a key IT locked). Objects merge key by key; arrays and scalars are replaced. The result
 * records, for every leaf key, which layer set it, and which keys IT has locked (a key the
 * IT-managed file sets cannot be changed by the user file, whatever the order).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatIssues, WitnessError } from '../errors.js';
import { DEFAULT_POLICY } from './defaults.js';
import type { ManagedPolicy } from './managed/index.js';
import { PolicySchema, type Policy } from './schema.js';

export type LayerName = 'default' | 'user' | 'managed' | 'central' | 'profile';

export interface EffectivePolicy {
  policy: Policy;
  /** key path ("approvals.timeoutSeconds") → layer that set it */
  source: Record<string, LayerName>;
  locked: string[];
  layers: Array<{ name: LayerName; file: string | null; profile?: string }>;
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

/**
 * A layer document's first problem (the key's path and the reason), or null when it is a
 * valid (partial) policy: the central server checks what it publishes with this, so the
 * server and every engine judge a document by the same schema.
 */
export function policyDocumentProblem(doc: unknown): { path: string; message: string } | null {
  const r = PartialPolicy.safeParse(doc);
  if (r.success) return doc && typeof doc === 'object' && !Array.isArray(doc) ? null : { path: '(root)', message: 'a policy document is a JSON object' };
  const i = r.error.issues[0]!;
  return { path: i.path.map(String).join('.') || '(root)', message: i.message };
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
    /** Profiles selected by the signed-in person's groups (identity.groupProfiles), in order; unknown names are skipped. */
    profiles?: readonly string[];
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
  const locked = [...new Set(managedDocs.flatMap((d) => leafKeys(d)))];
  for (const name of new Set(opts.profiles ?? [])) {
    const overlay = (merged.profiles as Record<string, Record<string, unknown>> | undefined)?.[name];
    if (!overlay || typeof overlay !== 'object') continue;
    // IT's locks hold against a profile only IT (or the central server) could have written.
    const byIt = (key: string) => ['managed', 'central'].includes(source[`profiles.${name}.${key}`] ?? '');
    mergeInto(merged, withoutLocked(overlay, '', (key) => !locked.some((l) => l === key || l.startsWith(`${key}.`) || key.startsWith(`${l}.`)) || byIt(key)), '', 'profile', source);
    layers.push({ name: 'profile', file: null, profile: name });
  }
  const parsed = PolicySchema.safeParse(merged);
  if (!parsed.success) throw new WitnessError('CONFIG_INVALID', formatIssues(parsed.error, 'effective policy'));
  // Keys the schema filled in come from the defaults layer.
  for (const key of leafKeys(parsed.data)) source[key] ??= 'default';
  return { policy: parsed.data, source, locked, layers };
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

/** The document with only the leaves `keep` accepts (objects recursed, `tools` entries one by one). */
function withoutLocked(doc: Record<string, unknown>, prefix: string, keep: (key: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = withoutLocked(v as Record<string, unknown>, key, keep);
      if (Object.keys(inner).length) out[k] = inner;
    } else if (keep(key)) out[k] = v;
  }
  return out;
}

function leafKeys(o: unknown, prefix = ''): string[] {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return prefix ? [prefix] : [];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}


