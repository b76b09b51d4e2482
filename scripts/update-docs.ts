/**
 * Regenerates the generated reference tables in docs/ (`npm run docs`): the configuration
 * reference in docs/configuration.md, from the config schema. test/unit/readme.test.ts
 * fails when a table is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown } from '../proxy/config/index.js';

const file = new URL('../docs/configuration.md', import.meta.url);
const doc = readFileSync(file, 'utf8');
const markers = /(<!-- config-reference:start[^>]*-->\n)[\s\S]*?(\n<!-- config-reference:end -->)/;
if (!markers.test(doc)) {
  process.stderr.write('docs/configuration.md has no config-reference markers: nothing regenerated\n');
  process.exit(1);
}
writeFileSync(file, doc.replace(markers, (_m, a: string, b: string) => a + configReferenceMarkdown() + b));
