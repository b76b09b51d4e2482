/**
 * `npm run soak [-- --minutes 10 --streams 50 --ms 100 --warmup 2]`: long-running load
 * through a spawned engine (the real CLI) with masking and holds on (the default policy holds
 * the agent fixture's edit of .env.production; the soak approves each hold through the
 * control API, as a reviewer would). Each of `streams` clients loops: an agent request
 * whose answer the fake upstream paces event by event, with a secret to mask in it.
 * Samples the engine's RSS and open file descriptors every 10 s, and (through
 * scripts/soak-probe.mjs, loaded into the engine) its V8 heap, external memory and array
 * buffers, and the live heap just after the engine's own full GCs (no forced collection: a
 * forced one hands pages back and would put lows in the RSS the engine never reaches by
 * itself; `--force-gc-every n` forces one every n-th 10 s sample all the same). Reports:
 *  - warm-up: ends at `--warmup` minutes, or once every stream has done a full turn (4
 *    exchanges, one of them held), whichever is later; the baseline is the first sample
 *    after it;
 *  - RSS stability: (max − min) / min over every sample after warm-up, must be ≤ 10 %; and
 *    the least-squares slope of RSS and of the live heap after warm-up (MiB per minute),
 *    so that linear growth is seen even when it stays under the bar;
 *  - open fds: no growth between warm-up and the end;
 *  - p50/p99 of the delay each event gains through Witness (client arrival minus upstream
 *    send time, the time stamped in each paced event), held streams excluded.
 * Exits 1 when RSS, fds or a leaked secret fail the bar. Writes the figures as JSON on stdout.
 */
import { performance } from 'node:perf_hooks';
import { loadavg, cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type http from 'node:http';
import { startFakeUpstream } from '../test/helpers/fake-upstream.js';
import { openEventStream } from '../test/helpers/events.js';
import { requestViaProxy } from '../test/helpers/proxy-client.js';
import { spawnEngine } from '../test/faults/support/spawned-engine.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const MINUTES = arg('minutes', 10);
const STREAMS = arg('streams', 50);
const EVENT_MS = arg('ms', 100);
const FORCE_GC_EVERY = arg('force-gc-every', 0);
const WARMUP_MINUTES = arg('warmup', Math.min(2, MINUTES * 0.2));
/** A full turn of one stream: every fourth of its exchanges is held. */
const TURN = 4;
const EVENTS = 30;
const SECRET = 'ghp_S0akT3stT0kenAbCdEfGhIjKlMnOpQrStUv12';
const log = (s: string) => process.stderr.write(`${new Date().toISOString()} ${s}\n`);

function paced(res: http.ServerResponse, withSecret: boolean) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const tick = () => {
    if (res.destroyed) return;
    if (i >= EVENTS) return void res.end('data: [DONE]\n\n');
    const t = performance.timeOrigin + performance.now();
    const content = withSecret && i === 10 ? `export GITHUB_TOKEN=${SECRET} ` : `tok${i} `;
    res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }], t })}\n\n`);
    i++;
    setTimeout(tick, EVENT_MS);
  };
  tick();
}

interface Probe {
  /** Epoch ms of the sample (the soak turns it into seconds since its start). */
  at: number;
  t: number;
  gc: boolean;
  /** The probe forced this collection (`--force-gc-every`); otherwise it was the engine's own. */
  forced?: boolean;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function readProbe(file: string): Probe[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Probe);
  } catch {
    return [];
  }
}

const mib = (b: number) => +(b / 1048576).toFixed(1);

/** Least-squares slope of bytes over seconds, in MiB per minute (null with fewer than 3 points). */
function slope(points: Array<[number, number]>): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den ? +(((num / den) * 60) / 1048576).toFixed(2) : null;
}

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function main() {
  const upstream = await startFakeUpstream();
  upstream.scripts.set('paced', (res) => paced(res, true));
  const probeDir = mkdtempSync(join(tmpdir(), 'witness-soak-'));
  const probeFile = join(probeDir, 'memory.jsonl');
  const probe = fileURLToPath(new URL('./soak-probe.mjs', import.meta.url));
  const engine = await spawnEngine(upstream, { log: { level: 'warn' } }, null, {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${probe}`.trim(),
    SOAK_PROBE_FILE: probeFile,
    SOAK_PROBE_MS: '10000',
    SOAK_PROBE_GC_EVERY: String(FORCE_GC_EVERY),
  });
  log(`engine pid ${engine.pid}, proxy :${engine.proxyPort}; ${STREAMS} streams for ${MINUTES} min, an event every ${EVENT_MS} ms`);
  let approvals = 0;
  const events = await openEventStream(engine.control.url, engine.control.token, (type, data) => {
    if (type !== 'approval.requested') return;
    void fetch(`${engine.control.url}/api/v1/approvals/decide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${engine.control.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: data.id, decision: 'approve', argsHash: data.argsHash }),
    }).then((r) => (r.ok ? approvals++ : undefined));
  });

  const startedAt = Date.now();
  const end = startedAt + MINUTES * 60_000;
  const turns = new Array<number>(STREAMS).fill(0);
  let allTurnedAt: number | null = null;
  const delays: number[] = [];
  let exchanges = 0;
  let errors = 0;
  /** The first few failures, as they were (a count alone says nothing about the cause). */
  const errorSamples: string[] = [];
  const failed = (why: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(why);
    log(`error: ${why}`);
  };
  let leaked = 0;
  const samples: Array<{ t: number; rss: number; fds: number }> = [];
  const sample = () => {
    const m = engine.memory();
    samples.push({ t: (Date.now() - startedAt) / 1000, rss: m.rss, fds: engine.openFds() });
    const s = samples[samples.length - 1]!;
    log(`t=${s.t.toFixed(0)}s rss=${(s.rss / 1048576).toFixed(1)} MiB fds=${s.fds} exchanges=${exchanges} errors=${errors} approvals=${approvals}`);
  };
  sample();
  const sampler = setInterval(sample, 10_000);
  const agentBody = JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'fix the stripe key in .env.production' }] });

  const client = async (k: number) => {
    let n = 0;
    while (Date.now() < end) {
      // Every fourth request is an agent turn that the default policy holds; the others are paced answers with a secret to mask.
      const held = (n + k) % 4 === 0;
      const path = held ? `/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=${EVENT_MS}&k=${k}` : `/chat/completions?script=paced&k=${k}`;
      n++;
      try {
        const res = await requestViaProxy({ proxyPort: engine.proxyPort, host: 'api.githubcopilot.com', path, method: 'POST', body: agentBody, headers: { 'content-type': 'application/json' }, ca: engine.caPem });
        exchanges++;
        if (++turns[k]! === TURN && allTurnedAt === null && turns.every((x) => x >= TURN)) allTurnedAt = (Date.now() - startedAt) / 1000;
        if (res.status !== 200) failed(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        if (res.body.includes(SECRET)) leaked++;
        if (!held) {
          res.events.forEach((e, i) => {
            const sent = /"t":([\d.]+)/.exec(e)?.[1];
            if (sent) delays.push(res.startedAt + res.eventTimes[i]! - Number(sent));
          });
        }
      } catch (e) {
        failed((e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: STREAMS }, (_, k) => client(k)));
  clearInterval(sampler);
  sample();
  events.close();
  await engine.stop();
  await upstream.close();

  const turnedAt = allTurnedAt as number | null; // set by the clients' closures
  const warmupEnd = Math.max(WARMUP_MINUTES * 60, turnedAt ?? MINUTES * 60);
  const warm = samples.filter((s) => s.t >= warmupEnd);
  const first = warm[0] ?? samples[samples.length - 1]!;
  const last = samples[samples.length - 1]!;
  const rssValues = warm.map((s) => s.rss);
  const rssSpread = (Math.max(...rssValues) - Math.min(...rssValues)) / Math.min(...rssValues);
  const rssDrift = (last.rss - first.rss) / first.rss;
  const sorted = delays.filter((d) => Number.isFinite(d)).sort((a, b) => a - b);
  const mem = readProbe(probeFile).map((m) => ({ ...m, t: (m.at - startedAt) / 1000 }));
  rmSync(probeDir, { recursive: true, force: true });
  const memWarm = mem.filter((m) => m.t >= warmupEnd);
  const live = memWarm.filter((m) => m.gc);
  const at = (m: Probe | undefined) => (m ? { heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers), rss: mib(m.rss) } : null);
  const report = {
    minutes: MINUTES,
    streams: STREAMS,
    eventEveryMs: EVENT_MS,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
    exchanges,
    errors,
    errorSamples,
    approvals,
    secretsLeakedToClient: leaked,
    warmup: { endsAtS: +warmupEnd.toFixed(0), minutes: WARMUP_MINUTES, allStreamsTurnedAtS: turnedAt === null ? null : +turnedAt.toFixed(0) },
    rssMiB: {
      start: mib(samples[0]!.rss),
      afterWarmup: mib(first.rss),
      end: mib(last.rss),
      min: mib(Math.min(...rssValues)),
      max: mib(Math.max(...rssValues)),
      spreadPct: +(rssSpread * 100).toFixed(1),
      driftPct: +(rssDrift * 100).toFixed(1),
      slopeMiBPerMin: slope(warm.map((s) => [s.t, s.rss])),
    },
    memoryMiB: {
      afterWarmup: at(memWarm[0]),
      end: at(memWarm[memWarm.length - 1]),
      liveHeapAfterGc: live.map((m) => ({ t: Math.round(m.t), forced: m.forced === true, heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers), rss: mib(m.rss) })),
      liveHeapSlopeMiBPerMin: slope(live.map((m) => [m.t, m.heapUsed])),
    },
    fds: { afterWarmup: first.fds, end: last.fds, max: Math.max(...warm.map((s) => s.fds)) },
    addedDelayMs: { events: sorted.length, p50: +percentile(sorted, 50).toFixed(2), p99: +percentile(sorted, 99).toFixed(2), max: +(sorted[sorted.length - 1] ?? NaN).toFixed(2) },
    samples: samples.map((s) => ({ t: s.t, rssMiB: mib(s.rss), fds: s.fds })),
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  const ok = warm.length >= 2 && rssSpread <= 0.1 && last.fds <= first.fds + 2 && leaked === 0;
  log(ok ? 'soak: OK' : 'soak: FAILED (RSS spread over 10 % after warm-up, a run too short to measure it, fd growth, or a secret reached a client)');
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`soak failed: ${(e as Error).stack}\n`);
  process.exit(2);
});
