// Lint rules that keep each folder inside its layer (docs/architecture.md explains why):
//   proxy/ and server/ never import electron (the engine runs headless);
//   renderer/ never imports Node built-ins (the UI runs in a plain browser too);
//   layers/through-index   a folder is imported only through its index.ts (model/ also
//                          through node.ts, its Node-only face);
//   layers/pure-core       masking/, policy/, protocols/ and model/ never import I/O folders;
//   layers/browser-safe    control/ and model/ (the part the browser bundles) import only
//                          zod and model/;
//   layers/renderer-engine renderer/ takes from the engine only the contract and client
//                          (control/) and model/;
//   layers/shared-ui       renderer/src/shared/ (what the window and the console both render)
//                          imports no client and no app: no api.ts, components/, views/, console/;
//   layers/console         renderer/src/console/ talks to witness-server only: never the engine's
//                          client (api.ts, proxy/control/) nor the window's own components and views;
//   layers/desktop-shell   electron/ takes from the engine only the contract and client,
//                          the model, errors, fs, the data dir's paths, the V8 flags and the
//                          key vault's interface and wire protocol;
//   electron/core/ never imports electron, and tests never do (they mock it).
// Each layers/* rule is ESLint's own no-restricted-imports under another name, so the
// rules apply side by side (one rule's options would replace another's) and a violation
// names the layering rule it breaks. test/unit/layering.test.ts shows each one failing.
import { builtinModules } from 'node:module';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

const restrictedImports = builtinRules.get('no-restricted-imports');
const layers = {
  rules: {
    'through-index': restrictedImports,
    'pure-core': restrictedImports,
    'browser-safe': restrictedImports,
    'renderer-engine': restrictedImports,
    'desktop-shell': restrictedImports,
    'shared-ui': restrictedImports,
    console: restrictedImports,
  },
};

const electronBan = {
  paths: [{ name: 'electron', message: 'The engine and the server must run without Electron: keep Electron code in electron/.' }],
  patterns: [{ group: ['electron/*'], message: 'The engine and the server must run without Electron.' }],
};

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const nodeBan = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'renderer/ runs in a browser: no Node built-ins.' })),
  patterns: [{ group: ['node:*'], message: 'renderer/ runs in a browser: no Node built-ins.' }],
};

const INDEX_MESSAGE = "A folder's index.ts is its public face: import the folder through it (model/ also through node.ts), never a file behind it.";
const throughIndex = {
  patterns: [
    // Up and across into another folder, past its index (proxy/ reached from server/, electron/ or renderer/ by the next one).
    { regex: '^(?:\\.\\./)+(?!proxy/|model/node\\.js$)[^/.][^/]*/(?!index\\.js$)', message: INDEX_MESSAGE },
    { regex: '^(?:\\.\\./)+proxy/(?!model/node\\.js$)[^/.][^/]*/(?!index\\.js$)', message: INDEX_MESSAGE },
  ],
};
/** Files at the top of proxy/ (engine.ts, cli.ts …) are outside every folder: down into one, through its index too. */
const throughIndexFromTop = {
  patterns: [...throughIndex.patterns, { regex: '^\\./(?!model/node\\.js$)[^/]+/(?!index\\.js$)', message: INDEX_MESSAGE }],
};

/** Folders that touch the network, disk, processes or the OS, or wire the others together. */
const IO_FOLDERS = ['approvals', 'audit', 'ca', 'cli', 'config', 'control-server', 'identity', 'inspect', 'intercept', 'keys', 'pipeline', 'sync', 'wiring'];
const IO_TOP_FILES = ['engine', 'cli', 'loopback', 'gc-tuning'];
const pureCore = {
  patterns: [
    {
      regex: `^(?:\\.\\./)+(?:(?:${IO_FOLDERS.join('|')})/|(?:${IO_TOP_FILES.join('|')})\\.js$)`,
      message: 'masking/, policy/, protocols/ and model/ are the pure core (strings and bytes in, values out): they never import I/O folders. Take what you need as a parameter.',
    },
  ],
};

const BROWSER_MESSAGE = 'control/ and model/ are bundled into the browser UI: they import only zod and model/index.ts (Node-only code goes in control-server/ or model/node.ts).';
const browserSafe = {
  patterns: [{ regex: '^(?!zod$|\\./(?!hash\\.js$|node\\.js$)|\\.\\./model/index\\.js$)', message: BROWSER_MESSAGE }],
};
/** model/hash.ts and model/node.ts: the Node-only face, which may use node:crypto and nothing else outside zod and model/. */
const modelNode = {
  patterns: [{ regex: '^(?!zod$|node:crypto$|\\./)', message: 'model/ is the ground floor: it imports only zod, node:crypto (hash.ts) and its own files.' }],
};

const rendererEngine = {
  patterns: [
    {
      regex: '^(?:\\.\\./)+proxy/(?!control/index\\.js$|model/index\\.js$)',
      message: 'renderer/ takes from the engine only the control API contract and client (proxy/control/index.ts) and the model (proxy/model/index.ts).',
    },
  ],
};

const NO_ENGINE_CLIENT = { regex: '^(?:\\.\\./)+proxy/control/', message: 'The console and the shared UI never talk to the engine: the control API client is the window\'s.' };
const sharedUi = {
  patterns: [
    {
      regex: '^\\.\\./(?:(?:api|desktop|attention|App)\\.js$|(?:components|views|console)/)',
      message: 'renderer/src/shared/ is rendered by the window and the console alike: it takes its data as props (no api.ts, no components/, views/ or console/).',
    },
    NO_ENGINE_CLIENT,
  ],
};
const consoleApp = {
  patterns: [
    {
      regex: '^(?:\\.\\./)+(?:(?:api|desktop|attention|App)\\.js$|(?:components|views)/)',
      message: "renderer/src/console/ talks to witness-server (console/server.ts) and renders with renderer/src/shared/: never the window's engine client, components or views.",
    },
    NO_ENGINE_CLIENT,
  ],
};

// electron/ is thin glue over the control API (the desktop issue): from proxy/ it may import
// only the browser-safe contract and client (control/), the model, the ground floor's error
// type and durable file writes, and what it shares with the CLI and the engine by necessity: the data dir's paths,
// the engine's V8 flags and the key vault's wire protocol (it serves the OS keychain to the
// engine). Never engine internals. Only electron/main and electron/preload import electron:
// electron/core is plain Node, so it is tested without the Electron binary. Tests reach
// electron only through vi.mock.
const SHELL_MESSAGE = 'electron/ talks to the engine through the control API only: import the contract, the client or the model, never engine internals.';
const shellProxyImports = [
  { regex: String.raw`(^|/)proxy/(?!(control/index|model/index|config/index|keys/index|errors|fs|gc-tuning)\.js$)`, message: SHELL_MESSAGE },
  { regex: String.raw`(^|/)proxy/config/index\.js$`, allowImportNames: ['dataPaths', 'defaultDataDir'], message: `${SHELL_MESSAGE} From config/, only the data dir's paths.` },
  {
    regex: String.raw`(^|/)proxy/keys/index\.js$`,
    allowImportNames: ['serveVault', 'serveVaultOver', 'assertSecretName', 'assertSecretValue', 'KEY_VAULT_ENV', 'KEY_VAULT_DESKTOP', 'KeyVault', 'ChildChannelLike', 'VaultRequest', 'VaultReply'],
    message: `${SHELL_MESSAGE} From keys/, only the vault interface and its wire protocol (the engine keeps its own vaults).`,
  },
];
const electronOnlyInGlue = {
  paths: [{ name: 'electron', message: 'electron/core/ is plain Node (tested without the Electron binary): keep Electron calls in electron/main or electron/preload.' }],
};
const electronInTests = {
  paths: [{ name: 'electron', message: 'Tests never load electron itself (it would download the binary): vi.mock it with test/electron/fake-electron.ts.' }],
};

export default tseslint.config(
  { ignores: ['electron/types/**', 'dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'renderer/dist/**', 'test-results/**', '.scratch/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  { files: ['proxy/**', 'server/**'], rules: { 'no-restricted-imports': ['error', electronBan] } },
  { files: ['renderer/**'], rules: { 'no-restricted-imports': ['error', nodeBan] } },
  { files: ['proxy/**', 'server/**', 'electron/**', 'renderer/**'], rules: { 'layers/through-index': ['error', throughIndex] } },
  { files: ['proxy/*.ts', 'server/*.ts'], rules: { 'layers/through-index': ['error', throughIndexFromTop] } },
  { files: ['proxy/masking/**', 'proxy/policy/**', 'proxy/protocols/**', 'proxy/model/**'], rules: { 'layers/pure-core': ['error', pureCore] } },
  { files: ['proxy/control/**', 'proxy/model/**'], rules: { 'layers/browser-safe': ['error', browserSafe] } },
  { files: ['proxy/model/hash.ts', 'proxy/model/node.ts'], rules: { 'layers/browser-safe': ['error', modelNode] } },
  { files: ['renderer/**'], rules: { 'layers/renderer-engine': ['error', rendererEngine] } },
  { files: ['renderer/src/shared/**'], rules: { 'layers/shared-ui': ['error', sharedUi] } },
  { files: ['renderer/src/console/**'], rules: { 'layers/console': ['error', consoleApp] } },
  { files: ['electron/**'], rules: { 'layers/desktop-shell': ['error', { patterns: shellProxyImports }] } },
  { files: ['electron/core/**'], rules: { 'no-restricted-imports': ['error', electronOnlyInGlue] } },
  { files: ['test/**'], rules: { 'no-restricted-imports': ['error', electronInTests] } },
);
