/**
 * The engine's side of sync (`BENCH_SERVER_PARTS=sync npm run bench -- server`): what sync
 * costs the engine in CPU per 1,000 records, and whether it moves the proxy's per-request
 * latency. Real parts: an in-process oidc-provider, the fake Copilot upstream, real engines
 * in this process, and the central server as a child process (the real `witness-server`
 * launcher), so this process's CPU is the engine's and not the server's.
 *
 * CPU: the syncing engine records BENCH_SYNC_RECORDS (default 2,000) Copilot turns while its
 * server is down; then the server starts, and the CPU this process spends between the first
 * receipt and the one that anchors the last record, less what it spends idle over as long,
 * divided by the records those receipts cover, is the engine's sync CPU per 1,000 records
 * (sealing, sending, checking receipts, the outbox).
 *
 * Latency: keep-alive requests through a syncing engine (its server up, so every request's
 * record is sealed and sent while the next requests flow) and through an engine without
 * sync, BENCH_SYNC_REQUESTS (default 300) each, alternating on/off for BENCH_SYNC_ROUNDS
 * (default 3) rounds; p50/p99 of each, and on/off ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlEvent } from '../../proxy/control/index.js';
import { centralServerConfig, startCentralOidc, startSyncingEngine } from '../helpers/central.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { pct, RouteAgent, type Route } from './clients.js';

const BIN = fileURLToPath(new URL('../../bin/witness-server.js', import.meta.url));
const HOST = 'api.business.githubcopilot.com';
const load = () => Math.round(loadavg()[0]! * 10) / 10;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** One Copilot chat turn (it becomes one audit record) over `agent`'s kept-alive tunnel; resolves with its milliseconds. */
function turn(route: Route, agent: https.Agent, i: number): Promise<number> {
  const body = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: `Why does the parser fail after the cache change? Line ${i}.` }] });
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: HOST, port: 443, path: `/chat/completions?fixture=02-chat.response.sse.txt&ms=0&t=${i}`, method: 'POST', agent, headers: { host: HOST, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`turn ${i}: status ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function turns(t: TestEngine, n: number, from: number): Promise<number[]> {
  const route: Route = { name: 'engine', host: HOST, port: 443, ca: t.caPem, proxyPort: t.engine.proxyPort };
  const agent = new RouteAgent(route, true);
  const ms: number[] = [];
  try {
    for (let i = 0; i < n; i++) ms.push(await turn(route, agent, from + i));
  } finally {
    agent.destroy();
  }
  return ms;
}

const waitFor = async (what: string, ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`sync bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

export async function runSyncBench(log: (s: string) => void) {
  const records = Number(process.env.BENCH_SYNC_RECORDS ?? 2000);
  const requests = Number(process.env.BENCH_SYNC_REQUESTS ?? 300);
  const rounds = Number(process.env.BENCH_SYNC_ROUNDS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'witness-sync-bench-'));
  const op = await startCentralOidc();
  const upstream = await startFakeUpstream();
  let child: ChildProcess | null = null;
  const engines: TestEngine[] = [];
  try {
    const data = join(dir, 'server');
    const configFile = join(dir, 'server.json');
    writeFileSync(configFile, JSON.stringify(centralServerConfig(op)));
    const env = { ...process.env, ...op.childEnv, WITNESS_FROM_SOURCE: '1', DATABASE_URL: '' };
    const keys = spawn(process.execPath, [BIN, 'keys', '--data-dir', data, '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let jwks = '';
    keys.stdout!.on('data', (d) => (jwks += d));
    if ((await new Promise((r) => keys.on('exit', r))) !== 0) throw new Error('witness-server keys failed');
    const keysFile = join(dir, 'server-keys.json');
    writeFileSync(keysFile, jwks);
    const port = await freePort();

    const events: ControlEvent[] = [];
    const syncing = await startSyncingEngine(upstream, op, { server: `http://127.0.0.1:${port}`, serverKeys: keysFile }, events);
    engines.push(syncing);
    log(`sync bench: ${records} turns through the syncing engine, its server down`);
    await turns(syncing, records, 0);
    await waitFor('the records to be stored', () => syncing.engine.status().sync.waiting >= records, 120_000);

    // What this process spends doing nothing for a while (the engines' and the OIDC provider's timers): subtracted below.
    const idle0 = cpuMs();
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const idlePerMs = (cpuMs() - idle0) / (performance.now() - idleT0);

    let first: { cpu: number; at: number; seq: number } | null = null;
    let last: { cpu: number; at: number; seq: number } | null = null;
    syncing.engine.bus.subscribe((e) => {
      if (e.type !== 'sync.receipt') return;
      const seq = (e.data as { seq: number }).seq;
      const now = { cpu: cpuMs(), at: performance.now(), seq };
      if (!first) first = now;
      else last = now;
    });
    const loadBefore = load();
    child = spawn(process.execPath, [BIN, 'start', '--data-dir', data, '--port', String(port), '--config', configFile], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor('every record receipted', () => syncing.engine.status().sync.receiptedSeq >= records, 600_000);
    const f = first as { cpu: number; at: number; seq: number } | null;
    const l = last as { cpu: number; at: number; seq: number } | null;
    if (!f || !l || l.seq <= f.seq) throw new Error('sync bench: fewer than two receipts (raise BENCH_SYNC_RECORDS)');
    const syncCpu = l.cpu - f.cpu - idlePerMs * (l.at - f.at);
    const cpu = {
      records: l.seq - f.seq,
      engineSyncCpuMsPer1kRecords: Math.round((syncCpu * 1000) / (l.seq - f.seq)),
      idleCpuMsPerS: Math.round(idlePerMs * 1000),
      recordsPerS: Math.round(((l.seq - f.seq) * 1000) / (l.at - f.at)),
      load: `${loadBefore}..${load()}`,
    };
    log(`sync bench (engine CPU): ${JSON.stringify(cpu)}`);

    const plain = await startTestEngine(upstream);
    engines.push(plain);
    await turns(syncing, 30, 1_000_000); // warm both
    await turns(plain, 30, 1_000_000);
    const on: number[] = [];
    const off: number[] = [];
    const perRound: Array<Record<string, number | string>> = [];
    for (let r = 0; r < rounds; r++) {
      const l0 = load();
      const a = await turns(syncing, requests, 2_000_000 + r * requests);
      const b = await turns(plain, requests, 2_000_000 + r * requests);
      on.push(...a);
      off.push(...b);
      perRound.push({ round: r + 1, onP50Ms: round1(pct(a, 50)), offP50Ms: round1(pct(b, 50)), onP99Ms: round1(pct(a, 99)), offP99Ms: round1(pct(b, 99)), load: l0 });
    }
    const latency = {
      requestsPerSide: on.length,
      syncOnP50Ms: round1(pct(on, 50)),
      syncOffP50Ms: round1(pct(off, 50)),
      syncOnP99Ms: round1(pct(on, 99)),
      syncOffP99Ms: round1(pct(off, 99)),
      p50Ratio: Math.round((pct(on, 50) / pct(off, 50)) * 100) / 100,
      p99Ratio: Math.round((pct(on, 99) / pct(off, 99)) * 100) / 100,
      rounds: perRound,
    };
    log(`sync bench (proxy latency, sync on vs off): ${JSON.stringify(latency)}`);
    return { cpu, latency };
  } finally {
    for (const e of engines) await e.stop();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await upstream.close();
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
