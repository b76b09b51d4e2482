/**
 * IT-managed policy on Windows: Group Policy writes one value per policy leaf under
 * HKLM\Software\Policies\Witness (the ADMX template in build/policy-templates/ describes
 * them). Read with `reg.exe query` (no native module); the output is parsed here, pure, and
 * each value is converted by the leaf's type from the policy schema.
 */
import { WitnessError } from '../../errors.js';
import { policyLeaves, setPath, type PolicyLeaf } from './leaves.js';

export const POLICY_KEY = 'HKLM\\Software\\Policies\\Witness';

export interface RegValue {
  name: string;
  type: string;
  data: string;
}

/**
 * `reg query KEY` output: a header line naming the key, then one line per value,
 * indented four spaces: NAME, TYPE and DATA separated by four spaces. REG_MULTI_SZ shows
 * its strings joined by a literal "\0"; DWORD and QWORD are hex ("0x78").
 */
export function parseRegQuery(stdout: string): RegValue[] {
  const values: RegValue[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    const m = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(raw);
    if (!m) continue;
    if (m[1] === '(Default)') continue;
    values.push({ name: m[1]!, type: m[2]!, data: m[3] ?? '' });
  }
  return values;
}

export function policyFromRegistry(values: RegValue[], leaves: PolicyLeaf[] = policyLeaves()): Record<string, unknown> {
  const byPath = new Map(leaves.map((l) => [l.path, l]));
  const doc: Record<string, unknown> = {};
  for (const v of values) {
    const leaf = byPath.get(v.name);
    if (!leaf) {
      throw new WitnessError('CONFIG_INVALID', `${POLICY_KEY} has a value "${v.name}" that is not a Witness policy setting; remove it or fix its name (the ADMX template lists them).`);
    }
    setPath(doc, leaf.path, convert(v, leaf));
  }
  return doc;
}

function convert(v: RegValue, leaf: PolicyLeaf): unknown {
  const where = `${POLICY_KEY}\\${v.name} (${v.type})`;
  const bad = (what: string) => new WitnessError('CONFIG_INVALID', `${where}: ${what}`);
  const isString = v.type === 'REG_SZ' || v.type === 'REG_EXPAND_SZ';
  switch (leaf.kind) {
    case 'enum':
    case 'string':
      if (!isString) throw bad('expected a string value (REG_SZ)');
      return v.data;
    case 'integer':
    case 'number':
    case 'boolean': {
      let n: number;
      if (v.type === 'REG_DWORD' || v.type === 'REG_QWORD') n = parseInt(v.data, 16);
      else if (isString && /^-?\d+(\.\d+)?$/.test(v.data.trim())) n = Number(v.data.trim());
      else throw bad('expected a number (REG_DWORD)');
      if (leaf.kind === 'boolean') {
        if (n !== 0 && n !== 1) throw bad('expected 0 or 1');
        return n === 1;
      }
      return n;
    }
    case 'string-list':
      if (v.type === 'REG_MULTI_SZ') return v.data.split('\\0').filter((s) => s !== '');
      if (isString) return parseJson(v.data, bad);
      throw bad('expected a list of strings (REG_MULTI_SZ)');
    case 'json':
      if (!isString) throw bad('expected JSON text (REG_SZ)');
      return parseJson(v.data, bad);
  }
}

function parseJson(text: string, bad: (what: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON: ${(e as Error).message}`);
  }
}
