/**
 * Builds the desktop shell's two bundles into dist/electron/ (run after `npm run build`,
 * which builds the engine into dist/proxy/ and the UI into renderer/dist/):
 *   main/index.js        the Electron main process, ESM; npm packages stay external (they
 *                        ship in the app's production node_modules, which the engine needs too)
 *   preload/preload.cjs  the preload script, one CommonJS file: a sandboxed preload may
 *                        require only `electron`
 * No source maps: the packaged app carries none.
 */
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const isBare = (id: string) => !id.startsWith('.') && !id.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(id);

async function bundle(root: string, entry: string, outDir: string, format: 'es' | 'cjs', fileName: string, external: (id: string) => boolean) {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: false,
      minify: false,
      target: 'node22',
      ssr: entry,
      rolldownOptions: {
        external,
        output: { format, entryFileNames: fileName },
      },
    },
    ssr: { noExternal: true },
  });
}

/** Builds both bundles from the sources under `root` into `outDir` (default root/dist/electron). */
export async function buildDesktop(root: string, outDir = join(root, 'dist', 'electron')): Promise<void> {
  await bundle(root, join(root, 'electron/main/index.ts'), join(outDir, 'main'), 'es', 'index.js', (id) => id === 'electron' || nodeBuiltins.includes(id) || isBare(id));
  await bundle(root, join(root, 'electron/preload/preload.ts'), join(outDir, 'preload'), 'cjs', 'preload.cjs', (id) => id === 'electron');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildDesktop(fileURLToPath(new URL('..', import.meta.url)));
  process.stdout.write('desktop shell built into dist/electron/\n');
}
