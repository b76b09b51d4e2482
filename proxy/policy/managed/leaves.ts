/**
 * The policy document's settable leaves, derived from the policy schema itself: what IT can
 * set through Group Policy (one registry value each), a configuration profile or the
 * policy file. The ADMX/ADML and .mobileconfig templates are generated from this list and
 * the registry reader converts values by it, so neither can drift from the schema.
 */
import { z } from 'zod';
import { PolicySchema } from '../schema.js';

export type LeafKind = 'enum' | 'integer' | 'number' | 'boolean' | 'string' | 'string-list' | 'json';

export interface PolicyLeaf {
  /** Dotted key path, e.g. "approvals.timeoutSeconds": also the registry value name. */
  path: string;
  kind: LeafKind;
  description: string | null;
  enum?: string[];
  minimum?: number;
  maximum?: number;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
}

let cached: PolicyLeaf[] | null = null;

export function policyLeaves(): PolicyLeaf[] {
  cached ??= walk(z.toJSONSchema(PolicySchema, { io: 'input' }) as JsonSchema, '');
  return cached;
}

function walk(s: JsonSchema, prefix: string): PolicyLeaf[] {
  const out: PolicyLeaf[] = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    // The document version is not a setting.
    if (child.const !== undefined) continue;
    if (child.type === 'object' && child.properties && typeof child.additionalProperties !== 'object') {
      out.push(...walk(child, path));
      continue;
    }
    out.push(leaf(path, child));
  }
  return out;
}

function leaf(path: string, s: JsonSchema): PolicyLeaf {
  const base = { path, description: s.description ?? null };
  if (s.type === 'string' && s.enum) return { ...base, kind: 'enum', enum: s.enum.map(String) };
  if (s.type === 'string') return { ...base, kind: 'string' };
  if (s.type === 'integer') return { ...base, kind: 'integer', ...(s.minimum !== undefined ? { minimum: s.minimum } : {}), ...(s.maximum !== undefined ? { maximum: s.maximum } : {}) };
  if (s.type === 'number') return { ...base, kind: 'number' };
  if (s.type === 'boolean') return { ...base, kind: 'boolean' };
  if (s.type === 'array' && s.items?.type === 'string') return { ...base, kind: 'string-list', ...(s.items.enum ? { enum: s.items.enum.map(String) } : {}) };
  return { ...base, kind: 'json' };
}

/** Puts a value at a dotted path in a nested document. */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}
