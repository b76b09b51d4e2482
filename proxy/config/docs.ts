/**
 * The configuration reference as a Markdown table, generated from the schema's own
 * descriptions and defaults (docs/configuration.md embeds it, `npm run docs` writes it; a test keeps the two identical).
 */
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
}

export function configReferenceMarkdown(): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const defaults = ConfigSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
  const rows: string[] = ['| key | type | default | meaning |', '| --- | --- | --- | --- |'];
  const walk = (node: JsonSchemaNode, path: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = path ? `${path}.${key}` : key;
      if (child.properties && !child.description) {
        walk(child, p);
        continue;
      }
      const type = child.enum ? child.enum.map((e) => JSON.stringify(e)).join(' \\| ') : typeName(child);
      const [section, name] = p.split('.') as [string, string];
      // A key that is input only (deprecated, read into another key) has no value of its own in the parsed config.
      const value = defaults[section]?.[name];
      const dflt = value === undefined ? '—' : `\`${JSON.stringify(value)}\``;
      rows.push(`| \`${p}\` | ${type} | ${dflt} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
    }
  };
  walk(schema, '');
  return rows.join('\n');
}

function typeName(n: JsonSchemaNode): string {
  if (n.anyOf) return n.anyOf.map(typeName).join(' or ');
  if (n.type === 'array') return `${typeName(n.items ?? {})}[]`;
  if (n.type === 'object') return 'object';
  return Array.isArray(n.type) ? n.type.join(' or ') : n.type ?? 'any';
}
