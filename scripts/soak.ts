/**
 * `npm run soak [-- --minutes 10 --streams 50 --ms 100]`: long-running load through a
 * spawned engine (the real CLI) with masking and holds on (the default policy holds the
 * agent fixture's edit of .env.production; the soak approves each hold through the control
 * API, as a reviewer would). Each of `streams` clients loops: an agent request whose answer
 * the fake upstream paces event by event, with a secret to mask in it.
 * Samples the engine's RSS and open file descriptors every 10 s and reports:
 *  - RSS after warm-up (first 20 % of the run) vs the end: stable within 10 %;
 *  - open fds: no growth between warm-up and the end;
 *  - p50/p99 of the delay each event gains through Witness (client arrival minus upstream
 *    send time, the time stamped in each paced event), held streams excluded.
 * Exits 1 when RSS or fds fail the bar. Writes the figures as JSON on stdout.
 */
import { performance } from 'node:perf_hooks';
import { loadavg, cpus } from 'node:os';
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

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function main() {
  const upstream = await startFakeUpstream();
  upstream.scripts.set('paced', (res) => paced(res, true));
  const engine = await spawnEngine(upstream, { log: { level: 'warn' } }, null);
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

  const end = Date.now() + MINUTES * 60_000;
  const delays: number[] = [];
  let exchanges = 0;
  let errors = 0;
  let leaked = 0;
  const samples: Array<{ t: number; rss: number; fds: number }> = [];
  const sample = () => {
    const m = engine.memory();
    samples.push({ t: (Date.now() - (end - MINUTES * 60_000)) / 1000, rss: m.rss, fds: engine.openFds() });
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
        if (res.status !== 200) errors++;
        if (res.body.includes(SECRET)) leaked++;
        if (!held) {
          res.events.forEach((e, i) => {
            const sent = /"t":([\d.]+)/.exec(e)?.[1];
            if (sent) delays.push(res.startedAt + res.eventTimes[i]! - Number(sent));
          });
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: STREAMS }, (_, k) => client(k)));
  clearInterval(sampler);
  sample();
  events.close();
  await engine.stop();
  await upstream.close();

  const warm = samples.filter((s) => s.t >= MINUTES * 60 * 0.2);
  const first = warm[0] ?? samples[0]!;
  const last = samples[samples.length - 1]!;
  const rssValues = warm.map((s) => s.rss);
  const rssDrift = (last.rss - first.rss) / first.rss;
  const rssSpread = (Math.max(...rssValues) - Math.min(...rssValues)) / Math.min(...rssValues);
  const sorted = delays.filter((d) => Number.isFinite(d)).sort((a, b) => a - b);
  const report = {
    minutes: MINUTES,
    streams: STREAMS,
    eventEveryMs: EVENT_MS,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
    exchanges,
    errors,
    approvals,
    secretsLeakedToClient: leaked,
    rssMiB: { afterWarmup: +(first.rss / 1048576).toFixed(1), end: +(last.rss / 1048576).toFixed(1), max: +(Math.max(...rssValues) / 1048576).toFixed(1), driftPct: +(rssDrift * 100).toFixed(1), spreadPct: +(rssSpread * 100).toFixed(1) },
    fds: { afterWarmup: first.fds, end: last.fds, max: Math.max(...warm.map((s) => s.fds)) },
    addedDelayMs: { events: sorted.length, p50: +percentile(sorted, 50).toFixed(2), p99: +percentile(sorted, 99).toFixed(2), max: +(sorted[sorted.length - 1] ?? NaN).toFixed(2) },
    samples: samples.map((s) => ({ t: s.t, rssMiB: +(s.rss / 1048576).toFixed(1), fds: s.fds })),
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  const ok = Math.abs(rssDrift) <= 0.1 && last.fds <= first.fds + 2 && leaked === 0;
  log(ok ? 'soak: OK' : 'soak: FAILED (RSS drift over 10 %, fd growth, or a secret reached a client)');
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`soak failed: ${(e as Error).stack}\n`);
  process.exit(2);
});
