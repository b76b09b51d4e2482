/** Shared by the setup/doctor tests: waiting on a condition the engine reaches asynchronously. */

/** Resolves once `cond()` is true; checks after each short pause, fails after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

import { spawn } from 'node:child_process';
import { WITNESS_BIN, type CliResult } from '../helpers/cli.js';

/** Variables that would let the developer's own shell leak into a test of setup or doctor. */
const HOST_VARS = ['HOME', 'XDG_CONFIG_HOME', 'ZDOTDIR', 'SHELL', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'NODE_TLS_REJECT_UNAUTHORIZED', 'WITNESS_DATA_DIR'];

/** Runs the real `witness` launcher with a temporary HOME and exactly the given host variables. */
export function runIn(home: string, args: string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of HOST_VARS) delete base[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WITNESS_BIN, ...args], {
      env: { ...base, WITNESS_FROM_SOURCE: '1', HOME: home, SHELL: '/bin/bash', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
