/**
 * Issue 20 (the control API stays responsive during any stream) and issue 12 (the per-request
 * cost off the hot path): while a 24 MB masked answer streams through the real proxy and its
 * record (1 MB of kept answer) is assembled, sealed, written and indexed, the engine's event
 * loop never stalls for long. The asserted quantity is the event loop's longest delay
 * (perf_hooks.monitorEventLoopDelay, in this process: the engine runs in it): from the moment
 * the client has the whole answer until the record is stored and found by search, within the
 * control API's 100 ms (the record's seal and full-text indexing each took one slice of
 * 50–80 ms on a busy machine, several times that under load); over the whole exchange, the
 * stream's masking included, within a generous bound for a busy 2-core machine (the fake
 * upstream and the client share this loop too). The control API's own answer times are polled
 * alongside and printed.
 *
 * A stall bound is a timing assertion, so this runs in `npm run faults` (with the other slow
 * measurements), not in `npm test`, where other test files share the machine's two cores.
 */
import https from 'node:https';
import type http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';

const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const ANSWER_BYTES = 24 * 1024 * 1024;
const WORD = 'zanzibarquokka';
/** The longest event-loop stall allowed while the record is built, stored and indexed (ms): the control API's budget. */
const MAX_STALL_MS = Number(process.env.WITNESS_MAX_STALL_MS ?? 100);
/**
 * The longest stall allowed over the whole exchange, the stream's masking included (ms):
 * generous, for a busy 2-core machine where this process gets a fraction of a core.
 */
const MAX_STREAM_STALL_MS = Number(process.env.WITNESS_MAX_STREAM_STALL_MS ?? 1000);

let upstream: FakeUpstream;
let t: TestEngine;

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.scripts.set('big', (res: http.ServerResponse) => {
    const total = Number(new URL(`https://x${(res.req.url ?? '')}`).searchParams.get('bytes'));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // A word to find the record by, then text; a secret in every hundredth event.
    res.write(chunk(`${WORD} `));
    const plain = chunk(`${'lorem ipsum '.repeat(682)}\n`);
    const secret = chunk(`${'lorem ipsum '.repeat(600)} token ${PAT} end\n`);
    let sent = 0;
    let n = 0;
    const pump = () => {
      while (sent < total) {
        const event = ++n % 100 === 0 ? secret : plain;
        sent += event.length;
        if (!res.write(event)) return void res.once('drain', pump);
      }
      res.end(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    };
    pump();
  });
  t = await startTestEngine(upstream);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

function bigChat(bytes: number): Promise<number> {
  return tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: t.caPem }).then(
    (socket) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(
          { host: 'api.githubcopilot.com', path: `/chat/completions?script=big&bytes=${bytes}`, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket },
          (res) => {
            let n = 0;
            let leaked = false;
            res.setEncoding('utf8');
            res.on('data', (d: string) => {
              n += d.length;
              if (d.includes(PAT)) leaked = true;
            });
            res.on('end', () => (leaked ? reject(new Error('a secret reached the client unmasked')) : resolve(n)));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'write a lot' }] }));
      }),
  );
}

/** A control API GET: its body (a non-200 answer fails the test). */
async function control(path: string): Promise<string> {
  const res = await fetch(`${t.engine.controlUrl}${path}`, { headers: { authorization: `Bearer ${t.engine.controlToken}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** How long `fn` took, in ms. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Above this load no process can hold a 100 ms budget (measured at a load of 25–30 on 2 cores:
 * the loop's median delay alone was 18 ms): the test then says so and does not run.
 */
const overloaded = loadavg()[0]! > cpus().length * 4;
if (overloaded) process.stderr.write(`control-responsive: skipped, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores\n`);

describe('control API during a large masked stream', () => {
  it.skipIf(overloaded)('the event loop never stalls past the budget while a 24 MB masked stream passes and its record is stored and indexed', async () => {
    // Warm-up: what happens once per process (loading modules, compiling the masker's
    // plans) is not what this measures. That includes the control API's first answers: the
    // first fetch loads this process's HTTP client and the engine compiles its schemas on
    // first use (together 80–280 ms, the largest poll of every run before they were warmed).
    await bigChat(1024 * 1024);
    await expect.poll(() => t.engine.auditStore.head.seq, { timeout: 60_000 }).toBe(1);
    const firstStatus = await timed(() => control('/api/v1/status'));
    const firstSearch = await timed(() => control(`/api/v1/records?q=${WORD}`));
    const stored = new Promise<void>((resolve) => {
      const off = t.engine.bus.subscribe((e) => {
        if (e.type === 'record.stored' && e.data.seq === 2) {
          off();
          resolve();
        }
      });
    });
    const latencies: number[] = [];
    let busy = true;
    const poll = (async () => {
      while (busy) {
        latencies.push(await timed(() => control('/api/v1/status')));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    // From the moment the client has the whole answer: the record's build, seal, write and index.
    const after = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const started = performance.now();
    let received = 0;
    let streamed = 0;
    try {
      received = await bigChat(ANSWER_BYTES);
      after.enable();
      streamed = performance.now() - started;
      await stored;
      // Found by search: the index has taken the record (the search brings it up to date).
      const found = await control(`/api/v1/records?q=${WORD}`);
      expect((JSON.parse(found) as { items: unknown[] }).items).toHaveLength(2);
    } finally {
      loop.disable();
      after.disable();
      busy = false;
      await poll;
    }
    latencies.sort((a, b) => a - b);
    const q = (x: number) => latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))]!;
    const ms = (h: typeof loop, p: number) => (h.percentile(p) / 1e6).toFixed(1);
    // (console.* is the engine's logger's while it runs.)
    process.stderr.write(
      `24 MB masked stream in ${streamed.toFixed(0)} ms, record stored and indexed ${(performance.now() - started - streamed).toFixed(0)} ms later; ` +
        `event-loop delay, whole exchange: p50 ${ms(loop, 50)} ms, p99 ${ms(loop, 99)} ms, max ${(loop.max / 1e6).toFixed(1)} ms; ` +
        `after the stream: p99 ${ms(after, 99)} ms, max ${(after.max / 1e6).toFixed(1)} ms; ` +
        `control API ${latencies.length} polls p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${q(1).toFixed(1)} ms ` +
        `(warm-up: first status ${firstStatus.toFixed(1)} ms, first search ${firstSearch.toFixed(1)} ms); load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
    );
    expect(latencies.length).toBeGreaterThan(0);
    expect(received).toBeGreaterThan(ANSWER_BYTES * 0.95); // placeholders are shorter than the secrets they replace
    expect(after.max / 1e6).toBeLessThan(MAX_STALL_MS);
    expect(loop.max / 1e6).toBeLessThan(MAX_STREAM_STALL_MS);
  }, 180_000);
});
