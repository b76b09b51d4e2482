/**
 * IT's policy templates, generated from the policy schema (through the leaves list the
 * engine's registry reader also uses), so a new or changed policy key reaches every
 * template and they never drift (test/electron/policy-templates.test.ts regenerates and
 * compares):
 *   windows/witness.admx, windows/en-US/witness.adml   Group Policy → HKLM\Software\Policies\Witness
 *   macos/com.witness.desktop.mobileconfig            configuration profile (managed preferences)
 *   linux/policy.json                                 /etc/witness/policy.json sample
 * Every template carries the built-in default policy as its values: deploy it, then delete
 * what you do not want to lock (each key set by IT is locked for users).
 */
import { createHash } from 'node:crypto';
import { DEFAULT_POLICY, PolicySchema } from '../../proxy/policy/index.js';
import { MAC_PREFERENCE_DOMAIN, policyLeaves, WINDOWS_POLICY_KEY, type PolicyLeaf } from '../../proxy/policy/managed/index.js';
import { VERSION } from '../../proxy/version.js';

const REG_KEY = WINDOWS_POLICY_KEY.replace(/^HKLM\\/, '');
const SUPPORTED = 'SUPPORTED_WITNESS_0_1';

export function policyTemplates(): Record<string, string> {
  const leaves = policyLeaves();
  const defaults = PolicySchema.parse(DEFAULT_POLICY) as Record<string, unknown>;
  return {
    'windows/witness.admx': admx(leaves),
    'windows/en-US/witness.adml': adml(leaves, defaults),
    [`macos/${MAC_PREFERENCE_DOMAIN}.mobileconfig`]: mobileconfig(leaves, defaults),
    'linux/policy.json': JSON.stringify(defaults, null, 2) + '\n',
  };
}

const id = (path: string) => path.replace(/\./g, '_');
const category = (path: string) => (path.includes('.') ? path.split('.')[0]! : 'general');
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function admx(leaves: PolicyLeaf[]): string {
  const cats = [...new Set(leaves.map((l) => category(l.path)))];
  const policies = leaves.map((l) => {
    const head = `    <policy name="${id(l.path)}" class="Machine" displayName="$(string.${id(l.path)})" explainText="$(string.${id(l.path)}_Explain)"${l.kind === 'boolean' ? '' : ` presentation="$(presentation.${id(l.path)})"`} key="${REG_KEY}"${l.kind === 'boolean' ? ` valueName="${l.path}"` : ''}>`;
    const common = [`      <parentCategory ref="${category(l.path)}" />`, `      <supportedOn ref="${SUPPORTED}" />`];
    if (l.kind === 'boolean') {
      return [head, ...common, '      <enabledValue><decimal value="1" /></enabledValue>', '      <disabledValue><decimal value="0" /></disabledValue>', '    </policy>'].join('\n');
    }
    return [head, ...common, '      <elements>', `        ${element(l)}`, '      </elements>', '    </policy>'].join('\n');
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- Generated from the Witness policy schema by build/policy-templates (do not edit by hand). -->
<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">
  <policyNamespaces>
    <target prefix="witness" namespace="Witness.Policies.Witness" />
    <using prefix="windows" namespace="Microsoft.Policies.Windows" />
  </policyNamespaces>
  <resources minRequiredRevision="1.0" />
  <supportedOn>
    <definitions>
      <definition name="${SUPPORTED}" displayName="$(string.${SUPPORTED})" />
    </definitions>
  </supportedOn>
  <categories>
    <category name="Witness" displayName="$(string.Witness)" />
${cats.map((c) => `    <category name="${c}" displayName="$(string.Category_${c})">\n      <parentCategory ref="Witness" />\n    </category>`).join('\n')}
  </categories>
  <policies>
${policies.join('\n')}
  </policies>
</policyDefinitions>
`;
}

/** The ADMX element for a leaf, and so the registry type Group Policy writes. */
function element(l: PolicyLeaf): string {
  const a = `id="${id(l.path)}" valueName="${l.path}" required="true"`;
  switch (l.kind) {
    case 'enum':
      return `<enum ${a}>\n${l.enum!.map((v) => `          <item displayName="$(string.${id(l.path)}_${id(v)})"><value><string>${xml(v)}</string></value></item>`).join('\n')}\n        </enum>`;
    case 'integer':
      return `<decimal ${a}${l.minimum !== undefined ? ` minValue="${l.minimum}"` : ''}${l.maximum !== undefined ? ` maxValue="${l.maximum}"` : ''} />`;
    case 'string-list':
      return `<multiText ${a} maxLength="4096" maxStrings="1000" />`;
    case 'number':
    case 'string':
      return `<text ${a} maxLength="4096" />`;
    case 'json':
      return `<text ${a} maxLength="65535" />`;
    case 'boolean':
      return '';
  }
}

function adml(leaves: PolicyLeaf[], defaults: Record<string, unknown>): string {
  const strings: Array<[string, string]> = [
    ['Witness', 'Witness (GitHub Copilot audit)'],
    [SUPPORTED, `Witness ${VERSION} and later`],
  ];
  for (const c of [...new Set(leaves.map((l) => category(l.path)))]) strings.push([`Category_${c}`, c === 'general' ? 'General' : c]);
  const presentations: string[] = [];
  for (const l of leaves) {
    strings.push([id(l.path), l.path]);
    strings.push([`${id(l.path)}_Explain`, explain(l, valueAt(defaults, l.path))]);
    for (const v of l.kind === 'enum' ? l.enum! : []) strings.push([`${id(l.path)}_${id(v)}`, v]);
    const p = presentation(l);
    if (p) presentations.push(`      <presentation id="${id(l.path)}">\n        ${p}\n      </presentation>`);
  }
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- Generated from the Witness policy schema by build/policy-templates (do not edit by hand). -->
<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">
  <displayName>Witness</displayName>
  <description>Policies for Witness, which audits GitHub Copilot traffic.</description>
  <resources>
    <stringTable>
${strings.map(([k, v]) => `      <string id="${k}">${xml(v)}</string>`).join('\n')}
    </stringTable>
    <presentationTable>
${presentations.join('\n')}
    </presentationTable>
  </resources>
</policyDefinitionResources>
`;
}

function presentation(l: PolicyLeaf): string | null {
  const ref = id(l.path);
  switch (l.kind) {
    case 'enum':
      return `<dropdownList refId="${ref}" noSort="true">Value</dropdownList>`;
    case 'integer':
      return `<decimalTextBox refId="${ref}">Value</decimalTextBox>`;
    case 'string-list':
      return `<multiTextBox refId="${ref}">Values, one per line</multiTextBox>`;
    case 'json':
      return `<textBox refId="${ref}"><label>JSON</label></textBox>`;
    case 'number':
    case 'string':
      return `<textBox refId="${ref}"><label>Value</label></textBox>`;
    case 'boolean':
      return null;
  }
}

function explain(l: PolicyLeaf, dflt: unknown): string {
  const what = l.description ? `${l.description[0]!.toUpperCase()}${l.description.slice(1)}.` : `Sets the policy key "${l.path}".`;
  const dfltText = dflt === undefined ? 'not set' : JSON.stringify(dflt);
  const format =
    l.kind === 'json'
      ? `JSON, as the key's value in policy.json. Default: ${dfltText}`
      : l.kind === 'string-list'
        ? `One value per line${l.enum ? `, each one of: ${l.enum.join(', ')}` : ''}. Default: ${(dflt as string[] | undefined)?.join(', ') || '(none)'}`
        : l.kind === 'enum'
          ? `One of: ${l.enum!.join(', ')}. Default: ${dfltText}`
          : l.kind === 'integer'
            ? `A whole number${l.minimum !== undefined && l.maximum !== undefined ? ` from ${l.minimum} to ${l.maximum}` : ''}. Default: ${dfltText}`
            : `Default: ${dfltText}`;
  return `${what}\n\n${format}\n\nPolicy key "${l.path}" (registry value ${WINDOWS_POLICY_KEY}\\${l.path}). Enabled: this value is enforced and locked for users. Not configured: users may set it in their own policy.json.`;
}

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
}

function mobileconfig(leaves: PolicyLeaf[], defaults: Record<string, unknown>): string {
  // Only the settings (not the document's version), nested as in policy.json.
  const topKeys = [...new Set(leaves.map((l) => l.path.split('.')[0]!))];
  const isEmpty = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  const settings = Object.fromEntries(topKeys.filter((k) => !isEmpty(defaults[k])).map((k) => [k, defaults[k]]));
  const payload = {
    PayloadType: MAC_PREFERENCE_DOMAIN,
    PayloadVersion: 1,
    PayloadIdentifier: `${MAC_PREFERENCE_DOMAIN}.policy`,
    PayloadUUID: stableUuid(`${MAC_PREFERENCE_DOMAIN}.policy`),
    PayloadDisplayName: 'Witness policy',
    PayloadEnabled: true,
    ...settings,
  };
  const profile = {
    PayloadContent: [payload],
    PayloadDescription: 'Witness policy for GitHub Copilot audit: every key set here is enforced and locked for users. Delete the keys you do not want to enforce.',
    PayloadDisplayName: 'Witness (Copilot audit) policy',
    PayloadIdentifier: `${MAC_PREFERENCE_DOMAIN}.profile`,
    PayloadOrganization: 'Your organization',
    PayloadRemovalDisallowed: true,
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: stableUuid(`${MAC_PREFERENCE_DOMAIN}.profile`),
    PayloadVersion: 1,
  };
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Generated from the Witness policy schema by build/policy-templates (do not edit by hand). -->
<plist version="1.0">
${plist(profile, '')}
</plist>
`;
}

function plist(v: unknown, indent: string): string {
  const next = indent + '  ';
  if (v === true) return `${indent}<true/>`;
  if (v === false) return `${indent}<false/>`;
  if (typeof v === 'number') return Number.isInteger(v) ? `${indent}<integer>${v}</integer>` : `${indent}<real>${v}</real>`;
  if (typeof v === 'string') return `${indent}<string>${xml(v)}</string>`;
  if (Array.isArray(v)) return v.length ? `${indent}<array>\n${v.map((x) => plist(x, next)).join('\n')}\n${indent}</array>` : `${indent}<array/>`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null);
    if (!entries.length) return `${indent}<dict/>`;
    return `${indent}<dict>\n${entries.map(([k, x]) => `${next}<key>${xml(k)}</key>\n${plist(x, next)}`).join('\n')}\n${indent}</dict>`;
  }
  throw new Error(`cannot write ${String(v)} to a plist`);
}

/** A fixed UUID per name, so regenerating gives the same profile (name-based, SHA-256). */
function stableUuid(name: string): string {
  const h = createHash('sha256').update(`witness:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}
