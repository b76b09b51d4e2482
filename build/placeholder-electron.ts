/**
 * A placeholder Electron distribution for machines where the real binary cannot be
 * downloaded: the files electron-builder copies into the unpacked app, with an `electron`
 * executable that only says it is a placeholder. Enough to package and inspect the app;
 * nothing built with it runs. Created fresh for each build, never committed.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PLACEHOLDER_NOTICE = 'This is a placeholder Electron distribution: the app was packaged for inspection only and cannot run.';

export function createPlaceholderElectron(dir: string, electronVersion: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  writeFileSync(join(dir, 'electron'), `#!/bin/sh\necho ${JSON.stringify(PLACEHOLDER_NOTICE)} >&2\nexit 78\n`);
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'version'), electronVersion);
  writeFileSync(join(dir, 'LICENSE'), `${PLACEHOLDER_NOTICE}\n`);
  writeFileSync(join(dir, 'LICENSES.chromium.html'), `<p>${PLACEHOLDER_NOTICE}</p>\n`);
  for (const f of ['chrome_100_percent.pak', 'chrome_200_percent.pak', 'resources.pak', 'icudtl.dat', 'snapshot_blob.bin', 'v8_context_snapshot.bin', 'locales/en-US.pak']) {
    writeFileSync(join(dir, f), '');
  }
  return dir;
}
