/** Regenerates the README's configuration reference from the schema: `npm run docs`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown } from '../proxy/config/index.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const next = readme.replace(
  /(<!-- config-reference:start[^>]*-->\n)[\s\S]*?(\n<!-- config-reference:end -->)/,
  (_m, a: string, b: string) => a + configReferenceMarkdown() + b,
);
writeFileSync(file, next);
