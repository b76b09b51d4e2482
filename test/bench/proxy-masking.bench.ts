/**
 * What masking costs through the proxy, against bare mockttp passthrough (and a direct
 * connection) measured in the same run, the routes taken in turn so that the machine's
 * drift hits all of them alike:
 *  (a) the 20 MB SSE burst, masked: throughput ratio intercepted / mockttp, pair by pair;
 *  (b) a paced stream (50 events 20 ms apart): per-event added delay, p50 and p99;
 *  (c) a 30-turn agent session replayed: every request resends the growing history
 *      (≈ 200 KB of context by the end: tool results of real TypeScript, assistant turns);
 *      added latency per request, p50 and p99;
 *  (d) paired paced streams: each event of a 50-event stream sent by one timer to the direct
 *      route and through every proxy at once, read at once; per event, its arrival through a
 *      proxy less its arrival direct: p50, p99, max.
 * `npm run bench -- proxy-masking`.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { pct, request, round, RouteAgent, type Route } from './clients.js';
import { MODES, pairedPacedStreams, rotated, type Mode } from './paired.js';
import { cpuMs } from './proc.js';
import type { ProxyBenchRoutes } from './proxy.bench.js';

/** The proxy bench's routes, and a second engine's (WITNESS_BENCH_ENGINE_B) when one runs: it then takes its turn in every section. */
export type MaskingRoutes = ProxyBenchRoutes & { interceptedB?: Route | null; relay?: Route | null; relayLocal?: Route | null; lean?: Route | null; leanForward?: Route | null; raw?: Route | null };

type Proxy = 'mockttp' | 'intercepted' | 'interceptedB';

async function bursts(routes: MaskingRoutes, rounds: number) {
  // With a second engine (B), the three proxies in a rotating order; else mockttp and Witness alternately.
  const proxies: Proxy[] = routes.interceptedB ? ['mockttp', 'intercepted', 'interceptedB'] : ['mockttp', 'intercepted'];
  const mbps: Partial<Record<Proxy, number[]>> = {};
  const cpu: Partial<Record<Proxy, number[]>> = {};
  const ratios: Partial<Record<Proxy, number[]>> = {};
  for (const m of proxies) {
    [mbps[m], cpu[m], ratios[m]] = [[], [], []];
    const agent = new RouteAgent(routes[m]!, true);
    await request(routes[m]!, agent, '/burst?mb=2'); // warm
    agent.destroy();
  }
  for (let r = 0; r < rounds; r++) {
    const pair: Partial<Record<Proxy, number>> = {};
    const order = proxies.length === 2 ? (r % 2 === 0 ? proxies : [...proxies].reverse()) : proxies.map((_, i) => proxies[(i + r) % proxies.length]!);
    for (const m of order) {
      const route = routes[m]!;
      const agent = new RouteAgent(route, true);
      const cpu0 = cpuMs(route.pid);
      const res = await request(route, agent, '/burst?mb=20');
      const cpu1 = cpuMs(route.pid);
      agent.destroy();
      if (cpu0 !== null && cpu1 !== null) cpu[m]!.push(cpu1 - cpu0);
      pair[m] = res.bytes / 1048576 / (res.ms / 1000);
      mbps[m]!.push(pair[m]!);
    }
    for (const m of proxies) ratios[m]!.push(pair[m]! / pair.mockttp!);
  }
  const haveCpu = cpu.intercepted!.length > 0;
  const cpuMed = (m: Proxy) => pct(cpu[m]!, 50);
  return {
    mockttpMBps: round(pct(mbps.mockttp!, 50), 1),
    interceptedMBps: round(pct(mbps.intercepted!, 50), 1),
    ratioMedian: round(pct(ratios.intercepted!, 50), 2),
    ratios: ratios.intercepted!.map((x) => round(x, 2)),
    // The proxies' own CPU per 20 MB burst (median; null without /proc): mockttp / Witness is
    // the throughput ratio the proxy could reach if the CPU were its only limit.
    cpuMsPerBurst: haveCpu ? { mockttp: round(cpuMed('mockttp'), 0), intercepted: round(cpuMed('intercepted'), 0) } : null,
    cpuRatio: haveCpu ? round(cpuMed('mockttp') / cpuMed('intercepted'), 2) : null,
    // Engine B (WITNESS_BENCH_ENGINE_B) measured in the same rounds: its figures, and B's CPU per burst over A's.
    ...(routes.interceptedB
      ? {
          b: {
            interceptedMBps: round(pct(mbps.interceptedB!, 50), 1),
            ratioMedian: round(pct(ratios.interceptedB!, 50), 2),
            ratios: ratios.interceptedB!.map((x) => round(x, 2)),
            cpuMsPerBurst: haveCpu ? round(cpuMed('interceptedB'), 0) : null,
            cpuRatio: haveCpu ? round(cpuMed('mockttp') / cpuMed('interceptedB'), 2) : null,
            cpuBOverA: haveCpu ? round(cpuMed('interceptedB') / cpuMed('intercepted'), 2) : null,
          },
        }
      : {}),
  };
}

async function pacedStreams(routes: MaskingRoutes, rounds: number) {
  const modes: Mode[] = routes.interceptedB ? [...MODES, 'interceptedB'] : [...MODES];
  const delays = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  // Each stream's first event (it comes with the response head, so it also carries the head's handling).
  const first = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  // The other events of each stream: what streaming itself adds, without the response head.
  const rest = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const m of rotated(r, modes)) {
      const agent = new RouteAgent(routes[m]!, true);
      await request(routes[m]!, agent, '/small');
      const res = await request(routes[m]!, agent, '/sse?n=50&ms=20');
      agent.destroy();
      for (const [arrived, sent] of res.events) delays[m].push(arrived - sent);
      first[m].push(res.events[0]![0] - res.events[0]![1]);
      for (const [arrived, sent] of res.events.slice(1)) rest[m].push(arrived - sent);
    }
  }
  const q = (m: Mode, p: number) => pct(delays[m], p);
  return {
    rounds,
    events: delays.intercepted.length,
    delayMs: Object.fromEntries(modes.map((m) => [m, { p50: round(q(m, 50)), p99: round(q(m, 99)) }])),
    firstEventMs: Object.fromEntries(modes.map((m) => [m, { p50: round(pct(first[m], 50)), max: round(Math.max(...first[m])) }])),
    addedVsDirectMs: { p50: round(q('intercepted', 50) - q('direct', 50)), p99: round(q('intercepted', 99) - q('direct', 99)) },
    addedVsMockttpMs: { p50: round(q('intercepted', 50) - q('mockttp', 50)), p99: round(q('intercepted', 99) - q('mockttp', 99)) },
    // The same over every event but each stream's first (which firstEventMs shows).
    afterFirstAddedVsDirectMs: { p50: round(pct(rest.intercepted, 50) - pct(rest.direct, 50)), p99: round(pct(rest.intercepted, 99) - pct(rest.direct, 99)) },
    ...(routes.interceptedB
      ? {
          b: {
            addedVsDirectMs: { p50: round(q('interceptedB', 50) - q('direct', 50)), p99: round(q('interceptedB', 99) - q('direct', 99)) },
            afterFirstAddedVsDirectMs: { p50: round(pct(rest.interceptedB, 50) - pct(rest.direct, 50)), p99: round(pct(rest.interceptedB, 99) - pct(rest.direct, 99)) },
            // Each round's first event through B minus A's (the two streams of a round run one
            // after the other): the median and quartiles of those pairs, so the drift of a busy
            // host between rounds hits both alike. Positive: A (this checkout) was sooner.
            firstEventBMinusAMs: (() => {
              const d = first.interceptedB.map((b, i) => b - first.intercepted[i]!);
              return { p25: round(pct(d, 25)), p50: round(pct(d, 50)), p75: round(pct(d, 75)) };
            })(),
          },
        }
      : {}),
  };
}

/** One POST with a JSON body (encoded once, ahead of the timing); the time until the whole response has arrived. */
function post(route: Route, agent: https.Agent, path: string, body: Buffer): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: route.host,
        port: route.port,
        path,
        method: 'POST',
        agent,
        headers: {
          host: route.host,
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: 'Bearer bench',
          'openai-intent': 'conversation-agent',
          'x-initiator': 'agent',
          'copilot-integration-id': 'vscode-chat',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${route.name}: ${path} answered ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A GitHub token in the shape the masker knows (not a real one). */
const PASTED_TOKEN = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

/**
 * The request bodies of a 30-turn agent session: the agent fixture's request, then per turn
 * an assistant tool call and its result (6 KB of real TypeScript declarations, a different
 * part each turn), the whole history resent every turn. `pastedToken`: the first user
 * message also holds a token, so every request of the session has a secret to mask.
 */
export function agentSession(turns: number, pastedToken = false): string[] {
  const base = JSON.parse(readFileSync(new URL('../fixtures/copilot/03-agent.request.json', import.meta.url), 'utf8')) as { messages: Array<{ role?: string; content?: unknown }> };
  if (pastedToken) {
    const user = base.messages.find((m) => m.role === 'user')!;
    user.content = `${typeof user.content === 'string' ? user.content : JSON.stringify(user.content)}\nuse my token ${PASTED_TOKEN} for the staging API`;
  }
  const dom = readFileSync(fileURLToPath(new URL('../../node_modules/typescript/lib/lib.dom.d.ts', import.meta.url)), 'utf8');
  const messages: unknown[] = [...base.messages];
  const bodies: string[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const id = `call_${turn}`;
    messages.push({ role: 'assistant', content: `Turn ${turn}: I will read the next part of lib.dom.d.ts and then update the handler.`, tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: JSON.stringify({ filePath: '/work/app/lib.dom.d.ts', startLine: turn * 150, endLine: turn * 150 + 150 }) } }] });
    messages.push({ role: 'tool', tool_call_id: id, content: dom.slice(turn * 6500, turn * 6500 + 6500) });
    bodies.push(JSON.stringify({ ...base, messages }));
  }
  return bodies;
}

/**
 * The session replayed `sessions` times, the three routes in turn request by request. The
 * fake upstream answers each with the chat fixture's 9 events, each its own write on the
 * next turn of its event loop (`immediate=1`: no setTimeout floor of 1 ms per event, which
 * made ~10 of a direct request's ~14 ms and its jitter). The client sends bodies encoded
 * once. What remains of a direct request is TLS, the 200 KB body and the answer: the same
 * for every route, so the added time is the proxy's.
 */
async function agentSessions(routes: MaskingRoutes, sessions: number, pastedToken = false) {
  const bodies = agentSession(30, pastedToken).map((b) => Buffer.from(b, 'utf8'));
  const path = '/chat/completions?fixture=02-chat.response.sse.txt&immediate=1';
  const modes: Mode[] = routes.interceptedB ? [...MODES, 'interceptedB'] : [...MODES];
  const ms = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  const added: Record<'direct' | 'mockttp' | 'bDirect', number[]> = { direct: [], mockttp: [], bDirect: [] };
  const agents = Object.fromEntries(modes.map((m) => [m, new RouteAgent(routes[m]!, true)])) as Record<Mode, RouteAgent>;
  // The proxies' CPU over the replay (all their threads, background work such as the audit
  // store's included): steadier than wall time on a busy machine.
  const pids = [routes.mockttp.pid, routes.intercepted.pid, routes.interceptedB?.pid];
  let cpu0: Array<number | null> = [];
  try {
    for (const m of modes) await post(routes[m]!, agents[m], path, bodies[0]!); // warm
    cpu0 = pids.map(cpuMs);
    for (let s = 0; s < sessions; s++) {
      for (let t = 0; t < bodies.length; t++) {
        const turn: Partial<Record<Mode, number>> = {};
        for (const m of rotated(s + t, modes)) ms[m].push((turn[m] = await post(routes[m]!, agents[m], path, bodies[t]!)));
        added.direct.push(turn.intercepted! - turn.direct!);
        added.mockttp.push(turn.intercepted! - turn.mockttp!);
        if (routes.interceptedB) added.bDirect.push(turn.interceptedB! - turn.direct!);
      }
    }
  } finally {
    for (const a of Object.values(agents)) a.destroy();
  }
  const cpu1 = pids.map(cpuMs);
  const perRequest = (i: number) => (cpu0[i] != null && cpu1[i] != null ? round((cpu1[i]! - cpu0[i]!) / added.direct.length, 2) : null);
  return {
    requests: added.direct.length,
    lastRequestKB: round(bodies[bodies.length - 1]!.length / 1024, 1),
    // CPU ms per request (null without /proc); Witness's includes its record and audit work.
    cpuMsPerRequest: { mockttp: perRequest(0), intercepted: perRequest(1), ...(routes.interceptedB ? { interceptedB: perRequest(2) } : {}) },
    requestMs: Object.fromEntries(modes.map((m) => [m, { p50: round(pct(ms[m], 50)), p99: round(pct(ms[m], 99)) }])),
    addedVsDirectMs: { p50: round(pct(added.direct, 50)), p99: round(pct(added.direct, 99)) },
    addedVsMockttpMs: { p50: round(pct(added.mockttp, 50)), p99: round(pct(added.mockttp, 99)) },
    ...(routes.interceptedB ? { b: { addedVsDirectMs: { p50: round(pct(added.bDirect, 50)), p99: round(pct(added.bDirect, 99)) } } } : {}),
  };
}

/**
 * WITNESS_BENCH_SECTIONS=burst,paced,paired,session runs only the named sections (default: those
 * four), e.g. to profile the engine over the burst alone (with WITNESS_BENCH_CPU_PROF).
 * `session-token` (only when named) replays the session with a token pasted in its first
 * user message: every request is masked and its body re-encoded.
 * WITNESS_BENCH_ENGINE_B=<built checkout>: a second engine takes its turn in every section
 * (old vs new code under the same load); its figures are under `b`.
 * WITNESS_BENCH_PACED_ROUNDS (default 4): rounds of the paced section, every route one stream
 * per round. p99 of 200 events is the second-worst event, so one late event moves it by a
 * millisecond; more rounds make it steadier (the default stays 4, comparable with earlier runs).
 * WITNESS_BENCH_PAIRED_ROUNDS (default 20: 1,000 events per route): rounds of the paired
 * section; WITNESS_BENCH_PAIRED_GROUP=duo pairs direct with one proxy at a time;
 * WITNESS_BENCH_PAIRED_EVENTS (default 50): events per stream in that section.
 * WITNESS_BENCH_ALLOC_DIR=<dir> with NODE_OPTIONS=--import=<abs path>/test/bench/alloc-probe.mjs:
 * each proxy's JS heap allocation and collections per event over the paired rounds (`allocation`).
 * WITNESS_BENCH_PROXY_PRIORITY=<nice | rr:N | fifo:N> (Linux, as root): the proxies at that priority
 * in the paired section's even rounds, the default in the odd ones (`priority`);
 * WITNESS_BENCH_CLIENT_PRIORITY: the clients and the fake upstream at one throughout (paired.ts).
 */
const sections = new Set((process.env.WITNESS_BENCH_SECTIONS ?? 'burst,paced,paired,session').split(',').map((s) => s.trim()));

export async function runProxyMaskingBench(routes: MaskingRoutes, log: (s: string) => void) {
  const result: Record<string, unknown> = {};
  if (sections.has('burst')) {
    log('  masked 20 MB burst: intercepted vs mockttp, in turn');
    result.burst20MB = await bursts(routes, Number(process.env.WITNESS_BENCH_BURST_ROUNDS ?? 4));
  }
  if (sections.has('paced')) {
    log('  paced stream (50 events, 20 ms apart), masked: direct, mockttp, intercepted in turn');
    result.paced50x20ms = await pacedStreams(routes, Number(process.env.WITNESS_BENCH_PACED_ROUNDS ?? 4));
  }
  if (sections.has('paired')) {
    const duo = process.env.WITNESS_BENCH_PAIRED_GROUP === 'duo';
    log(`  paired paced streams (50 events, 20 ms apart, one timer), masked: ${duo ? 'direct with each proxy in turn' : 'direct, mockttp, intercepted at once'}`);
    result.pairedPaced50x20ms = await pairedPacedStreams(routes, Number(process.env.WITNESS_BENCH_PAIRED_ROUNDS ?? 20), duo);
  }
  if (sections.has('session')) {
    log('  30-turn agent session (growing history), masked: direct, mockttp, intercepted in turn');
    result.agentSession30 = await agentSessions(routes, Number(process.env.WITNESS_BENCH_SESSIONS ?? 3));
  }
  if (sections.has('session-token')) {
    log('  30-turn agent session with a pasted token (every request masked): direct, mockttp, intercepted in turn');
    result.agentSession30Token = await agentSessions(routes, Number(process.env.WITNESS_BENCH_SESSIONS ?? 3), true);
  }
  return result;
}
