#!/usr/bin/env node
// Launcher for the `witness` CLI. Runs the compiled engine (dist/, built by `npm install`
// through the prepare script); with WITNESS_FROM_SOURCE=1 it runs the TypeScript sources
// through tsx instead (used by the tests, so they never run a stale build).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = new URL('../dist/proxy/cli.js', import.meta.url);
let cli;
if (process.env.WITNESS_FROM_SOURCE === '1' || !existsSync(compiled)) {
  if (!existsSync(new URL('../node_modules/tsx', import.meta.url))) {
    process.stderr.write('witness: not built yet. Run `npm install` (or `npm run build`) in ' + root + '\n');
    process.exit(1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(root + 'proxy/cli.ts').href);
} else {
  cli = await import(compiled.href);
}
const code = await cli.main(process.argv.slice(2));
// Exit explicitly: idle keep-alive sockets must not hold a finished command open.
process.stdout.write("", () => process.exit(code));
