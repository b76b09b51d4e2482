/**
 * How the shell runs and finds the engine: the command line for `witness start` (the same
 * program the CLI runs, with the engine's V8 flags), and control.json, where a started
 * engine publishes its control URL and token. File access is injected for tests.
 */
import { join } from 'node:path';
import { ControlFileSchema, type ControlFile } from '../../proxy/control/index.js';
import { createControlClient, type ControlEndpoint } from '../../proxy/control/index.js';
import { dataPaths, defaultDataDir } from '../../proxy/config/index.js';
import { ENGINE_V8_FLAGS } from '../../proxy/gc-tuning.js';
import { KEY_VAULT_DESKTOP, KEY_VAULT_ENV } from '../../proxy/keys/index.js';
import type { RunningEngine, StartedLine } from './engine-supervisor.js';

export interface EngineCommand {
  /** The CLI launcher inside the app bundle (bin/witness.js). */
  modulePath: string;
  args: string[];
  execArgv: string[];
  env: Record<string, string>;
}

/**
 * `witness start --json`: one JSON "started" line on stdout once the engine listens. The
 * data dir is the CLI's default (or WITNESS_DATA_DIR), so `witness status` in a terminal
 * finds the engine the app runs, and the app finds one started from a terminal.
 * `keychain`: the shell serves its OS-keychain vault over the utility process's port, and
 * tells the engine to use it (WITNESS_KEY_VAULT=desktop); otherwise the engine keeps its
 * secrets in its own vault (DATA_DIR/keys), whatever the shell's environment said.
 */
export function engineCommand(appPath: string, env: NodeJS.ProcessEnv, opts: { keychain?: boolean } = {}): EngineCommand {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    // Electron's own switches must not leak into the engine (it is a plain Node program).
    if (v !== undefined && !k.startsWith('ELECTRON_') && k !== KEY_VAULT_ENV) clean[k] = v;
  }
  if (opts.keychain) clean[KEY_VAULT_ENV] = KEY_VAULT_DESKTOP;
  return {
    modulePath: join(appPath, 'bin', 'witness.js'),
    args: ['start', '--json'],
    execArgv: ENGINE_V8_FLAGS.split(' '),
    env: clean,
  };
}

export type ReadText = (file: string) => Promise<string>;

export async function readControlFileAt(dataDir: string, read: ReadText): Promise<ControlFile | null> {
  let text: string;
  try {
    text = await read(dataPaths(dataDir).control);
  } catch {
    return null;
  }
  try {
    return ControlFileSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The endpoint of the engine that printed `started`, if control.json is really its own. */
export async function endpointFor(started: StartedLine, read: ReadText): Promise<ControlEndpoint | null> {
  const file = await readControlFileAt(started.dataDir, read);
  if (!file || file.pid !== started.pid) return null;
  return { url: file.url, token: file.token };
}

export interface FindRunningDeps {
  read: ReadText;
  isAlive(pid: number): boolean;
  fetch?: typeof fetch;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
}

/** An engine already serving the default data dir (e.g. `witness start` in a terminal) that answers with its token. */
export async function findRunningEngine(deps: FindRunningDeps): Promise<RunningEngine | null> {
  const dataDir = defaultDataDir(deps.platform, deps.env, deps.home);
  const file = await readControlFileAt(dataDir, deps.read);
  if (!file || !deps.isAlive(file.pid)) return null;
  try {
    const status = await createControlClient({ url: file.url, token: file.token, ...(deps.fetch ? { fetch: deps.fetch } : {}) }).status();
    if (status.pid !== file.pid) return null;
  } catch {
    return null;
  }
  return { pid: file.pid, dataDir, endpoint: { url: file.url, token: file.token }, external: true };
}

export function isProcessAlive(pid: number, kill: (pid: number, sig: 0) => void = process.kill): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

