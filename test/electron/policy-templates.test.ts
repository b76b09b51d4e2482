/**
 * The IT policy templates never drift from the policy schema: regenerated here and
 * compared with the committed files; and what an administrator sets through each template
 * reads back, through the engine's own readers, as the same policy.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { policyTemplates } from '../../build/policy-templates/templates.js';
import { DEFAULT_POLICY, PolicySchema, resolvePolicy } from '../../proxy/policy/index.js';
import { parseRegQuery, policyFromRegistry, policyLeaves } from '../../proxy/policy/managed/index.js';
import { policyFromPlutil } from '../../proxy/policy/managed/macos-preferences.js';

const DIR = fileURLToPath(new URL('../../build/policy-templates/', import.meta.url));
const templates = policyTemplates();
const defaults = PolicySchema.parse(DEFAULT_POLICY);

describe('IT policy templates', () => {
  it('are exactly what the policy schema generates (run `npm run policy:templates` after changing the schema)', () => {
    expect(Object.keys(templates).sort()).toEqual(['linux/policy.json', 'macos/com.witness.desktop.mobileconfig', 'windows/en-US/witness.adml', 'windows/witness.admx']);
    for (const [rel, text] of Object.entries(templates)) {
      expect(readFileSync(DIR + rel, 'utf8'), rel).toBe(text);
    }
  });

  it('cover every policy setting, in the ADMX and its strings', () => {
    const admx = templates['windows/witness.admx']!;
    const adml = templates['windows/en-US/witness.adml']!;
    for (const leaf of policyLeaves()) {
      expect(admx, leaf.path).toContain(`valueName="${leaf.path}"`);
      const id = leaf.path.replace(/\./g, '_');
      expect(adml, leaf.path).toContain(`<string id="${id}_Explain">`);
    }
    // Every string and presentation the ADMX refers to exists in the ADML.
    for (const [, ref] of admx.matchAll(/\$\(string\.([\w-]+)\)/g)) expect(adml).toContain(`<string id="${ref}">`);
    for (const [, ref] of admx.matchAll(/\$\(presentation\.([\w-]+)\)/g)) expect(adml).toContain(`<presentation id="${ref}">`);
  });

  it('Group Policy set from the ADMX to the defaults reads back, through the registry reader, as the default policy', () => {
    // What each ADMX element writes: enum/text → REG_SZ, decimal → REG_DWORD, multiText → REG_MULTI_SZ.
    const admx = templates['windows/witness.admx']!;
    const lines: string[] = [];
    for (const [, kind, name] of admx.matchAll(/<(enum|decimal|multiText|text) id="[\w]+" valueName="([\w.]+)"/g)) {
      const value = name!.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], defaults);
      if (value === undefined) continue;
      const [type, data] =
        kind === 'decimal'
          ? ['REG_DWORD', `0x${(value as number).toString(16)}`]
          : kind === 'multiText'
            ? ['REG_MULTI_SZ', (value as string[]).join('\\0')]
            : ['REG_SZ', typeof value === 'string' ? value : JSON.stringify(value)];
      lines.push(`    ${name}    ${type}    ${data}`);
    }
    const regOutput = `\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Witness\r\n${lines.join('\r\n')}\r\n\r\n`;
    const managed = { sources: [{ location: 'HKLM\\Software\\Policies\\Witness', doc: policyFromRegistry(parseRegQuery(regOutput)) }] };
    const eff = resolvePolicy({ managed });
    expect(eff.policy).toEqual(defaults);
    expect(eff.locked).toEqual(expect.arrayContaining(['masking.requests', 'approvals.timeoutSeconds', 'protectedPaths', 'desktop.startAtLogin']));
  });

  it('the configuration profile\'s settings read back, as plutil gives them, as the default policy', () => {
    const payload = parsePlist(templates['macos/com.witness.desktop.mobileconfig']!) as { PayloadContent: Array<Record<string, unknown>>; PayloadScope: string };
    expect(payload.PayloadScope).toBe('System');
    const [settings] = payload.PayloadContent;
    expect(settings!.PayloadType).toBe('com.witness.desktop');
    const doc = policyFromPlutil(JSON.stringify(settings), 'profile');
    expect(resolvePolicy({ managed: { sources: [{ location: 'profile', doc }] } }).policy).toEqual(defaults);
  });

  it('the Linux sample is a complete, valid policy.json', () => {
    expect(PolicySchema.parse(JSON.parse(templates['linux/policy.json']!))).toEqual(defaults);
  });
});

/** Enough of an XML plist reader for the profile: dict, array, string, integer, true, false. */
function parsePlist(text: string): unknown {
  const tokens = [...text.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)(dict|array|key|string|integer|real|true|false)(\/?)>([^<]*)/g)];
  let i = tokens.findIndex((t) => t[2] === 'dict');
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const value = (): unknown => {
    const [, close, tag, selfClose, body] = tokens[i++]!;
    if (close) throw new Error(`unexpected </${tag}>`);
    switch (tag) {
      case 'string':
        i++;
        return unescape(body!);
      case 'integer':
      case 'real':
        i++;
        return Number(body);
      case 'true':
        return true;
      case 'false':
        return false;
      case 'array': {
        const out: unknown[] = [];
        if (selfClose) return out;
        while (tokens[i]![1] !== '/') out.push(value());
        i++;
        return out;
      }
      case 'dict': {
        const out: Record<string, unknown> = {};
        if (selfClose) return out;
        while (tokens[i]![1] !== '/') {
          const key = unescape(tokens[i]![4]!);
          i += 2;
          out[key] = value();
        }
        i++;
        return out;
      }
    }
    throw new Error(`unexpected <${tag}>`);
  };
  return value();
}
