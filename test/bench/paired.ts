/**
 * Paired paced streams: the fake upstream feeds the streams of one group (`/sse?pair=ID&of=K`)
 * from one timer, each event written to all of them in the same turn with one send stamp; the
 * client reads them at the same time. An event's delay through a proxy less its delay on the
 * direct stream is then the time that route added to that very event: the upstream's timer
 * jitter and a stall of the client's loop fall on both streams alike and cancel.
 */
import { performance } from 'node:perf_hooks';
import { pct, request, round, RouteAgent } from './clients.js';
import { allocBetween, allocMark } from './alloc.js';
import { applyPriority, cpuMs, hasPriority, parsePriority, priorityLabel, threadPriorities, wakeups } from './proc.js';
import type { MaskingRoutes } from './proxy-masking.bench.js';

export type Mode = 'direct' | 'mockttp' | 'intercepted' | 'interceptedB' | 'relay' | 'relayLocal' | 'lean' | 'leanForward' | 'raw';
export const MODES: readonly Mode[] = ['direct', 'mockttp', 'intercepted'];

/** The modes in a different order each round (round robin), so none always goes first. */
export const rotated = <T extends string = Mode>(round: number, modes: readonly T[]): T[] => modes.map((_, i) => modes[(i + round) % modes.length]!);

const emptyBy = (modes: readonly Mode[]) => Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Partial<Record<Mode, number[]>>;

/** One event as the client saw it: [arrival epoch ms, upstream send epoch ms, index n]. */
export type PacedEvent = readonly [arrival: number, sent: number, n: number];

/**
 * Per event, each stream's arrival less the base stream's, in event order. Throws unless every
 * stream holds events 0..n-1 in order, each once, and the streams agree on every event's send
 * stamp (they were fed by one timer): without that the differences would not be of one event.
 */
export function pairedDifferences(streams: Readonly<Record<string, readonly PacedEvent[]>>, base: string, n: number): Record<string, number[]> {
  const baseEvents = streams[base];
  if (!baseEvents) throw new Error(`paired streams: no ${base} stream`);
  for (const [name, events] of Object.entries(streams)) {
    if (events.length !== n) throw new Error(`paired streams: ${name} has ${events.length} events, expected ${n}`);
    events.forEach(([, sent, i], k) => {
      if (i !== k) throw new Error(`paired streams: ${name}'s event ${k} is n=${i} (out of order, missing or repeated)`);
      if (sent !== baseEvents[k]![1]) throw new Error(`paired streams: event ${k} was sent at ${sent} on ${name} but at ${baseEvents[k]![1]} on ${base}: not one timer`);
    });
  }
  const out: Record<string, number[]> = {};
  for (const [name, events] of Object.entries(streams)) if (name !== base) out[name] = events.map(([arrival], k) => arrival - baseEvents[k]![0]);
  return out;
}

/** p50, p99 and max of a list of ms, rounded to µs. */
export function spread(xs: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: round(pct([...xs], 50)), p99: round(pct([...xs], 99)), max: round(Math.max(...xs)) };
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
 * WITNESS_BENCH_LEAN=1 adds `lean`: a second engine of this checkout, in its own process, whose
 * forward step and data path (masking, record, audit) sit behind a relay-style hop with Node's
 * HTTP server instead of mockttp's (lean-hop.ts); it is a proxy like the others for priorities.
 * WITNESS_BENCH_LEAN_FORWARD=1 adds `leanForward`: the same hop whose forward step has no hooks
 * (no masking, SSE transform, record or audit), the HTTP plumbing alone.
 * WITNESS_BENCH_RAW=1 adds `raw`: an engine's hooks on the relay itself, HTTP framed by hand (raw-hop.ts).
 * WITNESS_BENCH_PROXY_PRIORITY=<nice | rr:N | fifo:N> (proc.ts, Linux, root or CAP_SYS_NICE): every
 * proxy process (relay, mockttp, Witness, engine B; not relayLocal, which is this process) runs
 * the even rounds at that priority, every thread, and the odd rounds at the default, so raised
 * and normal are measured alternately under the same load (`priority`: each route less direct,
 * and its events over 1 ms, per setting; the figures above mix both).
 * WITNESS_BENCH_CLIENT_PRIORITY=<same forms>: the clients (this process, relayLocal with them) and
 * the fake upstream hold that priority through the whole section (upstream-server.ts sets its
 * own at start), so that on a busy host the two ends of every route wake first and what is left
 * to the host's scheduling is the proxy's hop alone.
 */
export async function pairedPacedStreams(routes: MaskingRoutes, rounds: number, duo: boolean) {
  // Events per stream (WITNESS_BENCH_PAIRED_EVENTS, default 50): two lengths tell per-event costs from per-stream ones.
  const n = Number(process.env.WITNESS_BENCH_PAIRED_EVENTS ?? 50);
  const modes: Mode[] = [...MODES, ...(routes.interceptedB ? (['interceptedB'] as const) : []), ...(routes.relay ? (['relay'] as const) : []), ...(routes.relayLocal ? (['relayLocal'] as const) : []), ...(routes.lean ? (['lean'] as const) : []), ...(routes.leanForward ? (['leanForward'] as const) : []), ...(routes.raw ? (['raw'] as const) : [])];
  const proxies = modes.filter((m) => m !== 'direct');
  type Stream = Mode | 'direct2';
  const routeOf = (s: Stream) => routes[s === 'direct2' ? 'direct' : s]!;
  const groups: Stream[][] = duo ? proxies.map((p): Stream[] => ['direct', 'direct2', p]) : [[...modes, 'direct2']];
  const directVsDirect: number[] = [];
  // Events more than 1 ms late (the aim: at most 1 in 100) through Witness, split by whether mockttp
  // was as late on the same event (a cause common to the proxies: the host, the hop) or not; and the
  // second direct stream's (the method's own); mockttp's in all.
  const over1ms = { witnessOnly: 0, withMockttp: 0, unpaired: 0, mockttp: 0, directAgain: 0, relay: 0, relayLocal: 0, lean: 0, leanForward: 0, raw: 0, engineB: 0 };
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
  const mono = () => round(Number(process.hrtime.bigint()) / 1e6);
  const startMonoMs = mono();
  const wake0 = Object.fromEntries(proxies.map((m) => [m, wakeups(routes[m]!.pid)]));
  // With WITNESS_BENCH_ALLOC_DIR (alloc-probe.mjs loaded): what each proxy allocates and collects over the rounds.
  const alloc0 = await allocMark(proxies.map((m) => routes[m]!.pid));
  const priority = parsePriority(process.env.WITNESS_BENCH_PROXY_PRIORITY);
  const clientPriority = parsePriority(process.env.WITNESS_BENCH_CLIENT_PRIORITY);
  if (clientPriority) applyPriority(process.pid, clientPriority);
  const pids = proxies.flatMap((m) => (routes[m]!.pid === undefined ? [] : [routes[m]!.pid!]));
  const setting = { raised: emptyBy(proxies), normal: emptyBy(proxies) };
  for (let r = 0; r < rounds; r++) {
    const raised = priority !== null && r % 2 === 0;
    if (priority) {
      for (const pid of pids) applyPriority(pid, raised ? priority : null);
      for (const pid of pids) if (!hasPriority(pid, raised ? priority : null)) throw new Error(`proxy ${pid}: priority not applied (${JSON.stringify(threadPriorities(pid))})`);
    }
    for (const [gi, group] of groups.entries()) {
      const order = rotated(r, group);
      const { streams, d } = await runGroup(order, n, `${r}-${gi}`);
      for (const m of order) if (m !== 'direct2') for (const [arrived, sent] of streams[m]!) own[m].push(arrived - sent);
      for (const m of order) if (m !== 'direct' && m !== 'direct2') vsDirect[m].push(...d[m]!);
      for (const m of order) if (m !== 'direct' && m !== 'direct2') setting[raised ? 'raised' : 'normal'][m]!.push(...d[m]!);
      directVsDirect.push(...d.direct2!);
      if (d.intercepted && d.mockttp) witnessVsMockttp.push(...d.intercepted.map((x, k) => x - d.mockttp![k]!));
      if (d.intercepted) for (const [k, x] of d.intercepted.entries()) if (x > 1) over1ms[d.mockttp ? (d.mockttp[k]! > 1 ? 'withMockttp' : 'witnessOnly') : 'unpaired']++;
      for (const x of d.mockttp ?? []) if (x > 1) over1ms.mockttp++;
      for (const x of d.direct2!) if (x > 1) over1ms.directAgain++;
      for (const x of d.relay ?? []) if (x > 1) over1ms.relay++;
      for (const x of d.relayLocal ?? []) if (x > 1) over1ms.relayLocal++;
      for (const x of d.lean ?? []) if (x > 1) over1ms.lean++;
      for (const x of d.leanForward ?? []) if (x > 1) over1ms.leanForward++;
      for (const x of d.raw ?? []) if (x > 1) over1ms.raw++;
      for (const x of d.interceptedB ?? []) if (x > 1) over1ms.engineB++;
      if (d.intercepted && d.interceptedB) bVsA.push(...d.interceptedB.map((x, k) => x - d.intercepted![k]!));
      const at = (epochMs: number) => round(epochMs - performance.timeOrigin + monoOffset);
      // With each, what mockttp added to the same event (null if not in the group): late on both, the cause was common to the proxies' path.
      if (d.intercepted) d.intercepted.forEach((x, k) => worst.push({ round: r, n: k, addedMs: round(x), mockttpAddedMs: d.mockttp ? round(d.mockttp[k]!) : null, directMs: round(streams.direct![k]![0] - streams.direct![k]![1]), atMonoMs: at(streams.intercepted![k]![0]) }));
    }
    worst.sort((a, b) => b.addedMs - a.addedMs).splice(10);
  }
  if (priority) for (const pid of pids) applyPriority(pid, null);
  if (clientPriority) applyPriority(process.pid, null);
  const roundsMonoMs = { start: startMonoMs, end: mono() };
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
    // WITNESS_BENCH_LEAN=1: Witness's forward step and data path behind the lean hop (lean-hop.ts), no mockttp.
    leanVsDirectMs: routes.lean ? spread(vsDirect.lean) : null,
    // WITNESS_BENCH_LEAN_FORWARD=1: the same hop and forward step with no hooks (no masking, SSE transform, record, audit).
    leanForwardVsDirectMs: routes.leanForward ? spread(vsDirect.leanForward) : null,
    // WITNESS_BENCH_RAW=1: the engine's hooks on the relay, HTTP framed by hand (raw-hop.ts).
    rawVsDirectMs: routes.raw ? spread(vsDirect.raw) : null,
    over1ms,
    // The ten events Witness added most to (the tenth of 1,000 is p99): round, index, and the direct stream's own delay for that event.
    worst,
    // The measured rounds on the monotonic clock (ms): the window of a proxy's CPU profile to read (profile-compare.ts).
    roundsMonoMs,
    ownDelayMs: Object.fromEntries(modes.map((m) => [m, { p50: round(pct(own[m], 50)), p99: round(pct(own[m], 99)) }])),
    // Each proxy's CPU ms per event (10 ms ticks over ~1,000 events; null without /proc).
    cpuMsPerEvent: Object.fromEntries(proxies.map((m) => [m, cpuPerEvent(m)])),
    // Each proxy's main-thread wake-ups per event (voluntary context switches; the per-round connection and `/small` included).
    wakeupsPerEvent: Object.fromEntries(proxies.map((m) => [m, wakeupsPerEvent(m)])),
    // Each proxy's JS heap allocation and collections per event (WITNESS_BENCH_ALLOC_DIR; the per-round connection and `/small` included).
    allocation: alloc1 ? Object.fromEntries(proxies.map((m) => [m, allocBetween(alloc0!.get(routes[m]!.pid!), alloc1.get(routes[m]!.pid!), rounds * n)])) : null,
    // WITNESS_BENCH_PROXY_PRIORITY: per setting (even rounds raised, odd rounds normal), each proxy less direct and its events over 1 ms
    // (of which each stream's first, which carries the response head's handling).
    priority: priority
      ? {
          raised: priorityLabel(priority),
          clientsAndUpstream: clientPriority ? priorityLabel(clientPriority) : 'default',
          roundsEach: { raised: Math.ceil(rounds / 2), normal: Math.floor(rounds / 2) },
          ...Object.fromEntries((['raised', 'normal'] as const).map((k) => [k === 'raised' ? 'raisedVsDirectMs' : 'normalVsDirectMs', Object.fromEntries(proxies.map((m) => [m, setting[k][m]!.length > 0 ? { ...spread(setting[k][m]!), over1ms: setting[k][m]!.filter((x) => x > 1).length, over1msFirstOfStream: setting[k][m]!.filter((x, i) => i % n === 0 && x > 1).length, events: setting[k][m]!.length } : null]))])),
        }
      : null,
    ...(routes.interceptedB ? { b: { addedVsDirectMs: spread(vsDirect.interceptedB), bMinusAMs: bVsA.length > 0 ? spread(bVsA) : null } } : {}),
  };
}

