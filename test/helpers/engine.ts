/** Starts a real engine in-process against the fake upstream, in a fresh temp data dir. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigInput } from '../../proxy/config/index.js';
import { Engine, type EngineOptions } from '../../proxy/engine.js';
import { createLogger, type Logger } from '../../proxy/log.js';
import { UPSTREAM_NAMES, type FakeUpstream } from './fake-upstream.js';

export interface TestEngine {
  engine: Engine;
  dataDir: string;
  caPem: string;
  logs: string[];
  stop(): Promise<void>;
  /** Stops the engine but keeps its data dir (to start another engine on it: a restart). */
  halt(): Promise<void>;
}

/** A policy that lets every tool call through (tests that are not about holds). */
const PERMISSIVE_POLICY = { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' } };

export async function startTestEngine(
  upstream: FakeUpstream,
  overrides: ConfigInput = {},
  extra: Partial<EngineOptions> = {},
  policy: Record<string, unknown> | null = PERMISSIVE_POLICY,
  /** An existing data dir (another engine's, halted): the same store, keys and CA. */
  reuse?: { dataDir: string },
): Promise<TestEngine> {
  const dataDir = reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'witness-test-'));
  if (policy) writeFileSync(join(dataDir, 'policy.json'), JSON.stringify(policy));
  const caFile = join(dataDir, 'upstream-ca.pem');
  writeFileSync(caFile, upstream.root.certPem);
  const resolve = Object.fromEntries(UPSTREAM_NAMES.filter((n) => !/^[\d.]+$|localhost/.test(n)).map((n) => [n, `127.0.0.1:${upstream.port}`]));
  const config = parseConfig({
    ...overrides,
    proxy: { port: 0, ...overrides.proxy },
    upstream: { resolve, caFile, ...overrides.upstream },
  });
  const logs: string[] = [];
  const log: Logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
  const engine = new Engine({ dataDir, config, log, ...extra });
  await engine.start();
  return {
    engine,
    dataDir,
    caPem: engine.caState.active.certPem,
    logs,
    stop: async () => {
      await engine.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    halt: () => engine.stop(),
  };
}
