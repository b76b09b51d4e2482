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
import { pairedDifferences, spread } from './paired.js';
import { allocBetween, allocMark } from './alloc.js';
import type { ProxyBenchRoutes } from './proxy.bench.js';

type Mode = 'direct' | 'mockttp' | 'intercepted' | 'interceptedB' | 'relay' | 'relayLocal';
const MODES: readonly Mode[] = ['direct', 'mockttp', 'intercepted'];

/** The modes in a different order each round (round robin), so none always goes first. */
const rotated = <T extends string = Mode>(round: number, modes: readonly T[]): T[] => modes.map((_, i) => modes[(i + round) % modes.length]!);

/** The proxy bench's routes, and a second engine's (WITNESS_BENCH_ENGINE_B) when one runs: it then takes its turn in every section. */
export type MaskingRoutes = ProxyBenchRoutes & { interceptedB?: Route | null; relay?: Route | null; relayLocal?: Route | null };

/**
 * CPU time (user + system, all threads) a process has used, in ms, from /proc (Linux); null
 * elsewhere. Unlike wall time it hardly moves with the machine's load, so the proxies' CPU
 * per burst is a steadier comparison on a busy machine than their throughput.
 */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/**
 * How many times a process's main thread has gone to sleep and been woken (voluntary context
 * switches, /proc, Linux; null elsewhere): each wake-up on a busy host is a chance to wait for
 * a core, so wake-ups per event say how exposed a proxy's path is to the host's scheduling,
 * and unlike wall time they do not move with the load.
 */
function wakeups(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /voluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

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

/**
 * Paired paced streams (section `paired`): per round, one group of streams that the fake
 * upstream feeds from one timer (`/sse?pair=ID&of=K`: each event written to all of them in
 * the same turn, one send stamp), read by this process at the same time: direct, bare mockttp,
 * Witness (and engine B). Each event's added delay is its arrival through a proxy less its
 * arrival direct, so the upstream's timer jitter and a stall of this client's loop, which hit
 * every stream of the group, cancel out. The streams' order (requests started, and so the
 * upstream's members) rotates by round; the upstream rotates its write order per event.
 * WITNESS_BENCH_PAIRED_GROUP=duo: instead, per round, direct with one proxy at a time (the
 * proxies in turn), so that the proxies do not compete for the cores over the same event;
 * Witness less mockttp is then not paired (null). Every group also holds a second direct stream
 * (`direct2`): its arrival less direct's (`directVsDirectMs`) is what the method itself leaves
 * (the upstream's writes one after another, the client's reads one after another), no proxy in it.
 * Every group also holds the minimal TLS-terminating relay (`relay`, relay.ts, its own process):
 * no HTTP, no masking, so relay less direct is the floor of any interception hop on this host;
 * WITNESS_BENCH_RELAY_LOCAL=1 adds the same relay run in this (the clients') process (`relayLocal`).
 */
async function pairedPacedStreams(routes: MaskingRoutes, rounds: number, duo: boolean) {
  // Events per stream (WITNESS_BENCH_PAIRED_EVENTS, default 50): two lengths tell per-event costs from per-stream ones.
  const n = Number(process.env.WITNESS_BENCH_PAIRED_EVENTS ?? 50);
  const modes: Mode[] = [...MODES, ...(routes.interceptedB ? (['interceptedB'] as const) : []), ...(routes.relay ? (['relay'] as const) : []), ...(routes.relayLocal ? (['relayLocal'] as const) : [])];
  const proxies = modes.filter((m) => m !== 'direct');
  type Stream = Mode | 'direct2';
  const routeOf = (s: Stream) => routes[s === 'direct2' ? 'direct' : s]!;
  const groups: Stream[][] = duo ? proxies.map((p): Stream[] => ['direct', 'direct2', p]) : [[...modes, 'direct2']];
  const directVsDirect: number[] = [];
  // Events more than 1 ms late (the aim: at most 1 in 100) through Witness, split by whether mockttp
  // was as late on the same event (a cause common to the proxies: the host, the hop) or not; and the
  // second direct stream's (the method's own); mockttp's in all.
  const over1ms = { witnessOnly: 0, withMockttp: 0, unpaired: 0, mockttp: 0, directAgain: 0, relay: 0, relayLocal: 0, engineB: 0 };
  // Per event: each proxy less direct; Witness less mockttp and B less A where both ran in the group.
  const vsDirect = Object.fromEntries(proxies.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  const witnessVsMockttp: number[] = [];
  const bVsA: number[] = [];
  // Each route's own delay (arrival less the upstream's send stamp): the jitter the pairing takes out.
  const own = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  // atMonoMs: the arrival through Witness on the monotonic clock in ms (CLOCK_MONOTONIC on Linux, the clock of a
  // V8 CPU profile's timestamps in µs), to find the event in the engine's profile (WITNESS_BENCH_CPU_PROF).
  const worst: Array<{ round: number; n: number; addedMs: number; mockttpAddedMs: number | null; directMs: number; atMonoMs: number }> = [];
  const monoOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  // One group's streams read at once; the paired differences against direct.
  const runGroup = async (order: Stream[], events: number, id: string) => {
    const agents = Object.fromEntries(order.map((m) => [m, new RouteAgent(routeOf(m), true)])) as Record<Stream, RouteAgent>;
    try {
      await Promise.all(order.map((m) => request(routeOf(m), agents[m], '/small')));
      const path = `/sse?n=${events}&ms=20&pair=${process.pid}-${id}-${Date.now()}&of=${order.length}`;
      const res = await Promise.all(order.map((m) => request(routeOf(m), agents[m], path)));
      const streams = Object.fromEntries(order.map((m, i) => [m, res[i]!.events]));
      return { streams, d: pairedDifferences(streams, 'direct', events) };
    } finally {
      for (const a of Object.values(agents)) a.destroy();
    }
  };
  // Not measured: one short group first, so that the first stream through a cold engine (its
  // code not yet compiled; 16 ms on its first event in a trial) is not counted as per-event
  // delay; its worst event is reported apart.
  let warmUpMaxAddedMs = 0;
  for (const group of groups) {
    const { d } = await runGroup(group, 10, 'warm');
    if (d.intercepted) warmUpMaxAddedMs = round(Math.max(...d.intercepted));
  }
  // The proxies' CPU over the rounds (all threads, the /small before each stream and background work included).
  const cpu0 = Object.fromEntries(proxies.map((m) => [m, cpuMs(routes[m]!.pid)]));
  const wake0 = Object.fromEntries(proxies.map((m) => [m, wakeups(routes[m]!.pid)]));
  // With WITNESS_BENCH_ALLOC_DIR (alloc-probe.mjs loaded): what each proxy allocates and collects over the rounds.
  const alloc0 = await allocMark(proxies.map((m) => routes[m]!.pid));
  for (let r = 0; r < rounds; r++) {
    for (const [gi, group] of groups.entries()) {
      const order = rotated(r, group);
      const { streams, d } = await runGroup(order, n, `${r}-${gi}`);
      for (const m of order) if (m !== 'direct2') for (const [arrived, sent] of streams[m]!) own[m].push(arrived - sent);
      for (const m of order) if (m !== 'direct' && m !== 'direct2') vsDirect[m].push(...d[m]!);
      directVsDirect.push(...d.direct2!);
      if (d.intercepted && d.mockttp) witnessVsMockttp.push(...d.intercepted.map((x, k) => x - d.mockttp![k]!));
      if (d.intercepted) for (const [k, x] of d.intercepted.entries()) if (x > 1) over1ms[d.mockttp ? (d.mockttp[k]! > 1 ? 'withMockttp' : 'witnessOnly') : 'unpaired']++;
      for (const x of d.mockttp ?? []) if (x > 1) over1ms.mockttp++;
      for (const x of d.direct2!) if (x > 1) over1ms.directAgain++;
      for (const x of d.relay ?? []) if (x > 1) over1ms.relay++;
      for (const x of d.relayLocal ?? []) if (x > 1) over1ms.relayLocal++;
      for (const x of d.interceptedB ?? []) if (x > 1) over1ms.engineB++;
      if (d.intercepted && d.interceptedB) bVsA.push(...d.interceptedB.map((x, k) => x - d.intercepted![k]!));
      const at = (epochMs: number) => round(epochMs - performance.timeOrigin + monoOffset);
      // With each, what mockttp added to the same event (null if not in the group): late on both, the cause was common to the proxies' path.
      if (d.intercepted) d.intercepted.forEach((x, k) => worst.push({ round: r, n: k, addedMs: round(x), mockttpAddedMs: d.mockttp ? round(d.mockttp[k]!) : null, directMs: round(streams.direct![k]![0] - streams.direct![k]![1]), atMonoMs: at(streams.intercepted![k]![0]) }));
    }
    worst.sort((a, b) => b.addedMs - a.addedMs).splice(10);
  }
  const alloc1 = alloc0 && (await allocMark(proxies.map((m) => routes[m]!.pid)));
  const wakeupsPerEvent = (m: Mode) => {
    const w1 = wakeups(routes[m]!.pid);
    return w1 !== null && wake0[m] !== null ? round((w1 - wake0[m]!) / (rounds * n), 2) : null;
  };
  const cpuPerEvent = (m: Mode) => {
    const c1 = cpuMs(routes[m]!.pid);
    return c1 !== null && cpu0[m] !== null ? round((c1 - cpu0[m]!) / (rounds * n), 3) : null;
  };
  return {
    rounds,
    group: duo ? 'duo' : 'all',
    eventsPerStream: n,
    events: vsDirect.intercepted.length,
    warmUpMaxAddedMs,
    // The aim: Witness's per-event added delay, p99 ≤ 1 ms.
    addedVsDirectMs: spread(vsDirect.intercepted),
    addedVsMockttpMs: witnessVsMockttp.length > 0 ? spread(witnessVsMockttp) : null,
    mockttpVsDirectMs: spread(vsDirect.mockttp),
    // The method's own floor: a second direct stream less the first.
    directVsDirectMs: spread(directVsDirect),
    // The floor of any interception design here: the minimal TLS-terminating relay (relay.ts) in a
    // process of its own, and (WITNESS_BENCH_RELAY_LOCAL=1) the same relay in the clients' process.
    relayVsDirectMs: routes.relay ? spread(vsDirect.relay) : null,
    relayLocalVsDirectMs: routes.relayLocal ? spread(vsDirect.relayLocal) : null,
    over1ms,
    // The ten events Witness added most to (the tenth of 1,000 is p99): round, index, and the direct stream's own delay for that event.
    worst,
    ownDelayMs: Object.fromEntries(modes.map((m) => [m, { p50: round(pct(own[m], 50)), p99: round(pct(own[m], 99)) }])),
    // Each proxy's CPU ms per event (10 ms ticks over ~1,000 events; null without /proc).
    cpuMsPerEvent: Object.fromEntries(proxies.map((m) => [m, cpuPerEvent(m)])),
    // Each proxy's main-thread wake-ups per event (voluntary context switches; the per-round connection and `/small` included).
    wakeupsPerEvent: Object.fromEntries(proxies.map((m) => [m, wakeupsPerEvent(m)])),
    // Each proxy's JS heap allocation and collections per event (WITNESS_BENCH_ALLOC_DIR; the per-round connection and `/small` included).
    allocation: alloc1 ? Object.fromEntries(proxies.map((m) => [m, allocBetween(alloc0!.get(routes[m]!.pid!), alloc1.get(routes[m]!.pid!), rounds * n)])) : null,
    ...(routes.interceptedB ? { b: { addedVsDirectMs: spread(vsDirect.interceptedB), bMinusAMs: bVsA.length > 0 ? spread(bVsA) : null } } : {}),
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
