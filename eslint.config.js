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
);
