// Lint rules that keep each folder inside its environment (STYLE.md §1):
//   proxy/ and server/ never import electron (the engine runs headless);
//   renderer/ never imports Node built-ins (the UI runs in a plain browser too).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const electronBan = {
  paths: [{ name: 'electron', message: 'The engine and the server must run without Electron: keep Electron code in electron/.' }],
  patterns: [{ group: ['electron/*'], message: 'The engine and the server must run without Electron.' }],
};

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const nodeBan = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'renderer/ runs in a browser: no Node built-ins.' })),
  patterns: [{ group: ['node:*'], message: 'renderer/ runs in a browser: no Node built-ins.' }],
};

// electron/ is thin glue over the control API (the desktop issue): from proxy/ it may import
// only the browser-safe contract and client, the model, and three Node leaves it shares
// with the CLI (the data dir's paths, the engine's V8 flags); never engine internals.
// Only electron/main and electron/preload import electron: electron/core is plain Node, so
// it is tested without the Electron binary. Tests reach electron only through vi.mock.
const shellProxyImports = {
  regex: String.raw`(^|/)proxy/(?!(control/(contract|client|event-stream)|config/paths|gc-tuning)\.js$|model/)`,
  message: 'electron/ talks to the engine through the control API only: import the contract, the client or the model, never engine internals.',
};
const electronOnlyInGlue = {
  paths: [{ name: 'electron', message: 'electron/core/ is plain Node (tested without the Electron binary): keep Electron calls in electron/main or electron/preload.' }],
};
const electronInTests = {
  paths: [{ name: 'electron', message: 'Tests never load electron itself (it would download the binary): vi.mock it with test/electron/fake-electron.ts.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'renderer/dist/**', 'test-results/**', '.scratch/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  { files: ['proxy/**', 'server/**'], rules: { 'no-restricted-imports': ['error', electronBan] } },
  { files: ['renderer/**'], rules: { 'no-restricted-imports': ['error', nodeBan] } },
  { files: ['electron/**'], rules: { 'no-restricted-imports': ['error', { patterns: [shellProxyImports] }] } },
  { files: ['electron/core/**'], rules: { 'no-restricted-imports': ['error', { ...electronOnlyInGlue, patterns: [shellProxyImports] }] } },
  { files: ['test/**'], rules: { 'no-restricted-imports': ['error', electronInTests] } },
);
