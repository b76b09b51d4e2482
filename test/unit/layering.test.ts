import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, reachable } from '../helpers/import-graph.js';

const eslint = new ESLint();
const lint = async (filePath: string, code: string, rule = 'no-restricted-imports') => {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
};
/** One import line as a module (the name is used, so no unused-import noise). */
const importing = (spec: string) => `import * as m from '${spec}';\nexport const a = m;\n`;

describe('layering lint rules', () => {
  it('fails when the engine or the server imports electron', async () => {
    expect(await lint('proxy/engine-extra.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await lint('server/main.ts', "import { ipcMain } from 'electron/main';\nexport const a = ipcMain;\n")).toHaveLength(1);
    expect(await lint('proxy/ok.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(0);
  });

  it('fails when the UI imports Node built-ins', async () => {
    expect(await lint('renderer/src/x.tsx', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await lint('renderer/src/y.ts', "import { spawn } from 'child_process';\nexport const a = spawn;\n")).toHaveLength(1);
    expect(await lint('renderer/src/z.ts', "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
  });

  it('layers/through-index: fails when a folder is imported past its index.ts', async () => {
    const rule = 'layers/through-index';
    // Violations: another folder's inner file, from a folder, from the top of proxy/, from server/ and renderer/.
    expect(await lint('proxy/inspect/extra.ts', importing('../approvals/registry.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/protocols/adapters/extra.ts', importing('../../masking/scan.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/extra.ts', importing('./audit/store.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/extra.ts', importing('./masking/detectors/index.js'), rule)).toHaveLength(1);
    expect(await lint('server/ingest/extra.ts', importing('../../proxy/model/hash.js'), rule)).toHaveLength(1);
    expect(await lint('server/ingest/extra.ts', importing('../store/pg.js'), rule)).toHaveLength(1);
    expect(await lint('renderer/src/extra.ts', importing('../../proxy/control/contract.js'), rule)).toHaveLength(1);
    // Allowed: an index, model's Node-only face, files of one's own folder, ground-floor files.
    expect(await lint('proxy/inspect/extra.ts', importing('../approvals/index.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/audit/extra.ts', importing('../model/node.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/protocols/adapters/extra.ts', importing('../sse.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/masking/extra.ts', importing('./detectors/index.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/audit/extra.ts', importing('../fs.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/extra.ts', importing('./control-server/index.js'), rule)).toHaveLength(0);
    expect(await lint('server/ingest/extra.ts', importing('../../proxy/model/index.js'), rule)).toHaveLength(0);
  });

  it('layers/pure-core: fails when masking/, policy/, protocols/ or model/ import an I/O folder', async () => {
    const rule = 'layers/pure-core';
    expect(await lint('proxy/masking/extra.ts', importing('../config/index.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/policy/extra.ts', importing('../audit/index.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/protocols/adapters/extra.ts', importing('../../intercept/index.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/protocols/extra.ts', importing('../approvals/index.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/model/extra.ts', importing('../control-server/index.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/policy/extra.ts', importing('../engine.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/masking/extra.ts', importing('../identity/index.js'), rule)).toHaveLength(1);
    // The pure core may build on itself and on the ground floor.
    expect(await lint('proxy/protocols/extra.ts', importing('../masking/index.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/policy/extra.ts', importing('../model/index.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/policy/extra.ts', importing('../errors.js'), rule)).toHaveLength(0);
    // The rule is about the pure core only: the audit store may use config.
    expect(await lint('proxy/audit/extra.ts', importing('../config/index.js'), rule)).toHaveLength(0);
  });

  it('layers/browser-safe: fails when control/ or model/ import anything but zod and model/', async () => {
    const rule = 'layers/browser-safe';
    expect(await lint('proxy/control/extra.ts', importing('node:http'), rule)).toHaveLength(1);
    expect(await lint('proxy/control/extra.ts', importing('../errors.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/control/extra.ts', importing('../model/node.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/control/extra.ts', importing('picomatch'), rule)).toHaveLength(1);
    expect(await lint('proxy/model/extra.ts', importing('node:crypto'), rule)).toHaveLength(1);
    expect(await lint('proxy/model/index.ts', importing('./hash.js'), rule)).toHaveLength(1);
    expect(await lint('proxy/model/extra.ts', importing('../masking/index.js'), rule)).toHaveLength(1);
    // model/'s Node-only face may use node:crypto, and only that.
    expect(await lint('proxy/model/hash.ts', importing('node:crypto'), rule)).toHaveLength(0);
    expect(await lint('proxy/model/hash.ts', importing('node:fs'), rule)).toHaveLength(1);
    expect(await lint('proxy/control/extra.ts', importing('zod'), rule)).toHaveLength(0);
    expect(await lint('proxy/control/extra.ts', importing('../model/index.js'), rule)).toHaveLength(0);
    expect(await lint('proxy/control/extra.ts', importing('./contract.js'), rule)).toHaveLength(0);
  });

  it('layers/renderer-engine: fails when the UI imports engine code other than the contract, client and model', async () => {
    const rule = 'layers/renderer-engine';
    expect(await lint('renderer/src/extra.tsx', importing('../../proxy/policy/index.js'), rule)).toHaveLength(1);
    expect(await lint('renderer/src/extra.tsx', importing('../../proxy/engine.js'), rule)).toHaveLength(1);
    expect(await lint('renderer/src/extra.tsx', importing('../../proxy/control-server/index.js'), rule)).toHaveLength(1);
    expect(await lint('renderer/src/extra.tsx', importing('../../proxy/model/node.js'), rule)).toHaveLength(1);
    expect(await lint('renderer/src/extra.tsx', importing('../../proxy/control/index.js'), rule)).toHaveLength(0);
    expect(await lint('renderer/src/extra.tsx', importing('../../proxy/model/index.js'), rule)).toHaveLength(0);
  });

  it('layers/shared-ui and layers/console: the shared UI takes props, the console never reaches the engine or the window', async () => {
    expect(await lint('renderer/src/shared/extra.tsx', importing('../api.js'), 'layers/shared-ui')).toHaveLength(1);
    expect(await lint('renderer/src/shared/extra.tsx', importing('../components/index.js'), 'layers/shared-ui')).toHaveLength(1);
    expect(await lint('renderer/src/shared/extra.tsx', importing('../console/server.js'), 'layers/shared-ui')).toHaveLength(1);
    expect(await lint('renderer/src/shared/extra.tsx', importing('../../../proxy/control/index.js'), 'layers/shared-ui')).toHaveLength(1);
    expect(await lint('renderer/src/shared/extra.tsx', importing('../model.js'), 'layers/shared-ui')).toHaveLength(0);
    expect(await lint('renderer/src/console/extra.tsx', importing('../api.js'), 'layers/console')).toHaveLength(1);
    expect(await lint('renderer/src/console/views/extra.tsx', importing('../../components/index.js'), 'layers/console')).toHaveLength(1);
    expect(await lint('renderer/src/console/extra.tsx', importing('../views/index.js'), 'layers/console')).toHaveLength(1);
    expect(await lint('renderer/src/console/extra.tsx', importing('../../../proxy/control/index.js'), 'layers/console')).toHaveLength(1);
    expect(await lint('renderer/src/console/views/extra.tsx', importing('../../shared/index.js'), 'layers/console')).toHaveLength(0);
    expect(await lint('renderer/src/console/views/extra.tsx', importing('../views.js'), 'layers/console')).toHaveLength(0);
  });

  it('layers/desktop-shell: fails when the desktop shell imports engine internals', async () => {
    const rule = 'layers/desktop-shell';
    const named = (names: string, spec: string) => `import { ${names} } from '${spec}';\nexport const a = [${names}];\n`;
    expect(await lint('electron/main/extra.ts', importing('../../proxy/engine.js'), rule)).toHaveLength(1);
    expect(await lint('electron/core/extra.ts', importing('../../proxy/policy/index.js'), rule)).toHaveLength(1);
    expect(await lint('electron/core/extra.ts', importing('../../proxy/control-server/index.js'), rule)).toHaveLength(1);
    expect(await lint('electron/core/extra.ts', named('loadConfigFile', '../../proxy/config/index.js'), rule)).toHaveLength(1);
    expect(await lint('electron/main/extra.ts', named('FileKeyVault', '../../proxy/keys/index.js'), rule)).toHaveLength(1);
    // The contract and client, the model, errors, the data dir's paths, the V8 flags, the vault's wire protocol.
    expect(await lint('electron/core/extra.ts', importing('../../proxy/control/index.js'), rule)).toHaveLength(0);
    expect(await lint('electron/core/extra.ts', importing('../../proxy/model/index.js'), rule)).toHaveLength(0);
    expect(await lint('electron/core/extra.ts', importing('../../proxy/errors.js'), rule)).toHaveLength(0);
    expect(await lint('electron/core/extra.ts', importing('../../proxy/gc-tuning.js'), rule)).toHaveLength(0);
    expect(await lint('electron/core/extra.ts', named('dataPaths, defaultDataDir', '../../proxy/config/index.js'), rule)).toHaveLength(0);
    expect(await lint('electron/main/extra.ts', named('serveVault', '../../proxy/keys/index.js'), rule)).toHaveLength(0);
  });

  it('keeps electron in electron/main and electron/preload: never in electron/core or tests', async () => {
    const code = "import { app } from 'electron';\nexport const a = app;\n";
    expect(await lint('electron/core/extra.ts', code)).toHaveLength(1);
    expect(await lint('test/electron/extra.test.ts', code)).toHaveLength(1);
    expect(await lint('electron/main/extra.ts', code)).toHaveLength(0);
  });
});

describe('import graph', () => {
  const graph = importGraph(['proxy', 'server', 'electron', 'renderer/src']);
  const under = (...roots: string[]) => (m: string) => roots.some((r) => m.startsWith(r + '/'));

  it('has no import circle in proxy/, server/ or electron/', () => {
    expect(importCycles(graph, under('proxy', 'server', 'electron'))).toEqual([]);
  });

  // The UI's layers point one way: App → views/ → components/ → model, format, hooks → api.
  it('has no import circle in renderer/src', () => {
    expect(importCycles(graph, under('renderer/src'))).toEqual([]);
  });

  it('names a circle when there is one', () => {
    const edges = new Map([
      ['proxy/a.ts', new Set(['proxy/b.ts'])],
      ['proxy/b.ts', new Set(['proxy/c.ts'])],
      ['proxy/c.ts', new Set(['proxy/a.ts'])],
      ['proxy/d.ts', new Set(['proxy/a.ts'])],
    ]);
    expect(importCycles({ edges, external: new Map() }, () => true)).toEqual(['proxy/a.ts → proxy/b.ts → proxy/c.ts → proxy/a.ts']);
  });

  it('keeps everything the browser bundles free of Node: the contract, the client and the model need only zod', () => {
    for (const entry of ['proxy/control/index.ts', 'proxy/model/index.ts']) {
      const modules = reachable(graph, entry);
      const packages = new Set([...modules].flatMap((m) => [...(graph.external.get(m) ?? [])]));
      expect([...packages], entry).toEqual(['zod']);
      expect([...modules].filter((m) => !m.startsWith('proxy/control/') && !m.startsWith('proxy/model/')), entry).toEqual([]);
    }
    const ui = new Set([...graph.edges.keys()].filter(under('renderer/src')).flatMap((m) => [...reachable(graph, m)]));
    const packages = new Set([...ui].flatMap((m) => [...(graph.external.get(m) ?? [])]));
    // The console adds its OIDC client (oauth4webapi) and the policy diff (diff): both plain browser code.
    expect([...packages].filter((p) => !['react', 'react-dom/client', 'zod', 'oauth4webapi', 'diff'].includes(p))).toEqual([]);
  });
});
