/** Writes the policy templates (see templates.ts): `npm run policy:templates`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyTemplates } from './templates.js';

const here = fileURLToPath(new URL('.', import.meta.url));
for (const [rel, text] of Object.entries(policyTemplates())) {
  mkdirSync(dirname(join(here, rel)), { recursive: true });
  writeFileSync(join(here, rel), text);
  process.stdout.write(`build/policy-templates/${rel}\n`);
}
