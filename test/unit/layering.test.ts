import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const lint = async (filePath: string, code: string) => {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

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
});
