/**
 * Each version of the policy that was in force, kept in DATA_DIR/policy-history/<version>.json
 * (folder 0700, files 0600), so the policyVersion on a record can be looked up. The file name
 * is the hash of the policy it holds: an edited copy gives itself away. Written once per
 * version, never changed after; holds rules, never secrets.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs.js';
import type { PolicyInForce } from './live.js';

export function policyHistoryFile(dataDir: string, version: string): string {
  return join(dataDir, 'policy-history', `${version}.json`);
}

/** Keeps `p` unless its version is kept already; true when it wrote the file. */
export function keepPolicyVersion(dataDir: string, p: PolicyInForce): boolean {
  const file = policyHistoryFile(dataDir, p.version);
  if (existsSync(file)) return false;
  mkdirSync(join(dataDir, 'policy-history'), { recursive: true, mode: 0o700 });
  const doc = { version: p.version, firstInForce: p.since, layers: p.effective.layers, locked: p.effective.locked, policy: p.effective.policy };
  writeAtomic(file, JSON.stringify(doc, null, 2) + '\n', 0o600);
  return true;
}
