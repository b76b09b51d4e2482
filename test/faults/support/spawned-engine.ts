/**
 * A real `witness start` in a child process, for fault tests that measure the engine's own
 * memory (its peak RSS, VmHWM, covers the engine alone) or read what it writes to stdout
 * and stderr. Config goes in DATA_DIR/config.json; the upstream is the fake one.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readControlFile } from '../../../proxy/control-server/index.js';
import { spawnCli, type RunningCli } from '../../helpers/cli.js';
import { UPSTREAM_NAMES, type FakeUpstream } from '../../helpers/fake-upstream.js';

export interface SpawnedEngine {
  run: RunningCli;
  dataDir: string;
  proxyPort: number;
  control: { url: string; token: string };
  caPem: string;
  pid: number;
  /** Peak and current resident set size of the engine process, in bytes. */
  memory(): { peakRss: number; rss: number };
  /** Open file descriptors of the engine process. */
  openFds(): number;
  stop(): Promise<void>;
}

const PERMISSIVE_POLICY = { protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' } };

export async function spawnEngine(
  upstream: FakeUpstream,
  config: Record<string, unknown> = {},
  policy: Record<string, unknown> | null = PERMISSIVE_POLICY,
  /** Extra environment for the engine process (the soak loads its memory probe this way). */
  env: NodeJS.ProcessEnv = {},
): Promise<SpawnedEngine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-fault-'));
  const caFile = join(dataDir, 'upstream-ca.pem');
  writeFileSync(caFile, upstream.root.certPem);
  if (policy) writeFileSync(join(dataDir, 'policy.json'), JSON.stringify(policy));
  const resolve = Object.fromEntries(UPSTREAM_NAMES.filter((n) => !/^[\d.]+$|localhost/.test(n)).map((n) => [n, `127.0.0.1:${upstream.port}`]));
  const upstreamConfig = (config.upstream ?? {}) as Record<string, unknown>;
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({ log: { level: 'info' }, ...config, proxy: { port: 0 }, upstream: { resolve, caFile, ...upstreamConfig } }),
  );
  const run = spawnCli(['start', '--data-dir', dataDir, '--json'], env);
  const started = JSON.parse(await run.waitFor(/"event":"started"/, 90_000)) as { proxy: { url: string } };
  const control = readControlFile(dataDir)!;
  const pid = run.child.pid!;
  const status = () => readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())?.[1] ?? NaN) * 1024;
  return {
    run,
    dataDir,
    proxyPort: Number(new URL(started.proxy.url).port),
    control: { url: control.url, token: control.token },
    caPem: readFileSync(join(dataDir, 'ca', 'current.crt.pem'), 'utf8'),
    pid,
    memory: () => ({ peakRss: kb('VmHWM'), rss: kb('VmRSS') }),
    openFds: () => readdirSync(`/proc/${pid}/fd`).length,
    stop: async () => {
      run.child.kill('SIGTERM');
      await run.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
