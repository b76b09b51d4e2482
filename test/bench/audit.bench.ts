/**
 * Audit store: durable appends per second (group commit) and p50/p99 latency; start time,
 * RSS and size on disk at 10k and 100k records; search latency at 100k.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditStore } from '../../proxy/audit/index.js';
import { ENGINE_V8_FLAGS, tuneGarbageCollector } from '../../proxy/gc-tuning.js';
import { interaction } from '../helpers/interactions.js';
import { pct, round } from './clients.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function realistic(i: number) {
  const words = ['invoice', 'ledger', 'retry', 'payments', 'refactor', 'generator', 'cache', 'tests', 'module', 'handler'];
  const w = (k: number) => words[(i * 7 + k * 3) % words.length];
  const history = Array.from({ length: 6 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', text: `turn ${k} of conversation ${Math.floor(i / 10)}: ${w(k)} ${w(k + 1)} `.repeat(20) }));
  return interaction({
    prompt: `please ${w(0)} the ${w(1)} ${w(2)} (${i})`,
    response: `Here is how to ${w(3)} the ${w(4)}: ...`.repeat(8),
    messages: history,
    decision: i % 5 === 0 ? 'masked' : 'allowed',
    maskings: i % 5 === 0 ? [{ type: 'github-pat', where: 'request', count: 1 }] : [],
  });
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const st = statSync(p);
    n += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return n;
}

async function fill(s: AuditStore, from: number, to: number, concurrency: number) {
  let next = from;
  const lat: number[] = [];
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const t = performance.now();
      await s.append(realistic(i));
      lat.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - t0, lat };
}

/** Start time and memory in a fresh process running the compiled engine (built first). */
function openInChild(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const out = execFileSync(process.execPath, ['--expose-gc', 'test/bench/audit-open.mjs', dataDir], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/**
 * glibc keeps freed heap memory unless told to trim it: loading the index frees buffers of
 * tens of MB, which raises its dynamic trim threshold to 64 MB. Measured both ways.
 */
const TRIM = { MALLOC_TRIM_THRESHOLD_: String(1024 * 1024) };

export async function runAuditBench(log: (s: string) => void) {
  // Appends are measured in this process: tune its GC as `witness start` tunes the engine's.
  tuneGarbageCollector();
  log(`  audit: V8 flags as in the engine: ${ENGINE_V8_FLAGS}`);
  log('  audit: building the engine (the start/RSS child runs dist/)');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-auditbench-'));
  try {
    const s = await AuditStore.open({ dataDir, compactEvery: 20_000 });
    log('  audit: 2000 durable appends, one at a time');
    const seq = await fill(s, 0, 2000, 1);
    log('  audit: 3000 durable appends, 2 concurrent (group commit)');
    const conc2 = await fill(s, 2000, 5000, 2);
    log('  audit: 3000 durable appends, 4 concurrent (group commit)');
    const conc4 = await fill(s, 5000, 8000, 4);
    log('  audit: 2000 durable appends, 32 concurrent (group commit)');
    const conc = await fill(s, 8000, 10_000, 32);
    await s.compact();
    const at10k = { bytes: dirBytes(dataDir), ...openInChild(dataDir) };
    log('  audit: filling to 100k records');
    for (let k = 10_000; k < 100_000; k += 10_000) {
      await fill(s, k, k + 10_000, 64);
      log(`    ${k + 10_000} records, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB`);
    }
    await s.close();
    const at100k = { bytes: dirBytes(dataDir), ...openInChild(dataDir) };
    const at100kTrim = openInChild(dataDir, TRIM);
    return {
      sequential: { appendsPerSec: round(2000 / (seq.ms / 1000), 0), p50Ms: round(pct(seq.lat, 50)), p99Ms: round(pct(seq.lat, 99)) },
      concurrent2: { appendsPerSec: round(3000 / (conc2.ms / 1000), 0), p50Ms: round(pct(conc2.lat, 50)), p99Ms: round(pct(conc2.lat, 99)) },
      concurrent4: { appendsPerSec: round(3000 / (conc4.ms / 1000), 0), p50Ms: round(pct(conc4.lat, 50)), p99Ms: round(pct(conc4.lat, 99)) },
      concurrent32: { appendsPerSec: round(2000 / (conc.ms / 1000), 0), p50Ms: round(pct(conc.lat, 50)), p99Ms: round(pct(conc.lat, 99)) },
      at10k: { startMs: round(at10k.openMs, 0), rssOpenMB: round(at10k.rssOpenMB, 0), rssMB: round(at10k.rssMB, 0), bytesPer1k: round(at10k.bytes / 10, 0) },
      at100k: {
        startMs: round(at100k.openMs, 0),
        rssOpenMB: round(at100k.rssOpenMB, 0),
        rssMB: round(at100k.rssMB, 0),
        rssMBWithMallocTrim: round(at100kTrim.rssMB, 0),
        bytesPer1k: round(at100k.bytes / 100, 0),
        searchFtsP50Ms: round(at100k.searchFts.p50, 1),
        searchFilteredP50Ms: round(at100k.searchFiltered.p50, 1),
        searchPageP50Ms: round(at100k.searchPage.p50, 1),
      },
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
