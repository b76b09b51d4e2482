#!/usr/bin/env node
// Launcher for `witness-server`, the central server. Runs the compiled server (dist/); with
// WITNESS_FROM_SOURCE=1, or before a build, the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = new URL('../dist/server/cli.js', import.meta.url);
let cli;
if (process.env.WITNESS_FROM_SOURCE === '1' || !existsSync(compiled)) {
  if (!existsSync(new URL('../node_modules/tsx', import.meta.url))) {
    process.stderr.write('witness-server: not built yet. Run `npm install` (or `npm run build`) in ' + root + '\n');
    process.exit(1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(root + 'server/cli.ts').href);
} else {
  cli = await import(compiled.href);
}
const code = await cli.main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
