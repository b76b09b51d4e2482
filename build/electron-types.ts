/**
 * Vendors the Electron API types: `npx tsx build/electron-types.ts 45.4.1` fetches that
 * version's npm package with npm itself (`npm pack`, the registry this project uses),
 * takes its electron.d.ts, unchanged, into electron/types/electron.d.ts under a header
 * naming its origin and license. ELECTRON_VERSION (build/electron-builder.config.ts) is read
 * from that file, so the Electron the app is packaged with moves with its types.
 * Why vendored: the `electron` npm package needs Node >= 22.12 to install (its downloader's
 * engines), the project builds on Node 20, and its binary is never used here anyway
 * (electron-builder downloads the one it packages). Never runs as part of a build.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronTypesVersion } from './electron-builder.config.js';

const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
  process.stderr.write('Usage: npx tsx build/electron-types.ts VERSION   (e.g. 45.4.1)\n');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'witness-electron-types-'));
try {
  const tgz = execFileSync('npm', ['pack', `electron@${version}`, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  execFileSync('tar', ['-xzf', join(work, tgz), '-C', work, 'package/electron.d.ts', 'package/LICENSE']);
  const dts = readFileSync(join(work, 'package', 'electron.d.ts'), 'utf8');
  if (electronTypesVersion(dts) !== version) throw new Error(`electron@${version}'s electron.d.ts describes Electron ${electronTypesVersion(dts)}`);
  const copyright = readFileSync(join(work, 'package', 'LICENSE'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Copyright'))
    .join(', ');
  const header = [
    `// Vendored: electron.d.ts of the npm package electron@${version} (MIT License, ${copyright}),`,
    '// unchanged below this header. The npm package itself is not a dependency: it needs Node >= 22.12',
    '// to install and we build on Node 20 (docs/desktop.md, "Which Electron is used"); electron-builder',
    '// downloads the Electron binary it packages. Update with `npx tsx build/electron-types.ts VERSION`.',
  ].join('\n');
  writeFileSync(fileURLToPath(new URL('../electron/types/electron.d.ts', import.meta.url)), `${header}\n${dts}`);
  process.stdout.write(`electron/types/electron.d.ts: Electron ${version}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
