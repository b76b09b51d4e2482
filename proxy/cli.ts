/** `witness` command-line entry (bin/witness.js loads this): the dispatcher lives in cli/. */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { main } from './cli/index.js';

export { main };

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
