/**
 * Proxy overhead: direct vs tunnelled vs intercepted (Witness) vs bare mockttp passthrough.
 *  (a) 500 keep-alive small requests  (b) 200 new connections
 *  (c) a 20 MB SSE burst               (d) 50 SSE events 20 ms apart
 */
import { pct, request, round, RouteAgent, type Route } from './clients.js';

export interface ProxyBenchRoutes {
  direct: Route;
  tunnelled: Route;
  intercepted: Route;
  mockttp: Route;
}

async function keepAlive(route: Route, n: number) {
  const agent = new RouteAgent(route, true);
  for (let i = 0; i < 20; i++) await request(route, agent, '/small'); // warm-up
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) lat.push((await request(route, agent, '/small')).ms);
  const total = performance.now() - t0;
  agent.destroy();
  return { totalMs: round(total, 1), p50Ms: round(pct(lat, 50)), p99Ms: round(pct(lat, 99)) };
}

async function newConnections(route: Route, n: number) {
  for (let i = 0; i < 5; i++) {
    const a = new RouteAgent(route, false);
    await request(route, a, '/small');
    a.destroy();
  }
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const agent = new RouteAgent(route, false);
    lat.push((await request(route, agent, '/small')).ms);
    agent.destroy();
  }
  return { p50Ms: round(pct(lat, 50)), p99Ms: round(pct(lat, 99)) };
}

async function burst(route: Route, mb: number) {
  const agent = new RouteAgent(route, true);
  await request(route, agent, '/burst?mb=1');
  const r = await request(route, agent, `/burst?mb=${mb}`);
  agent.destroy();
  return { ms: round(r.ms, 1), mbPerS: round(r.bytes / 1024 / 1024 / (r.ms / 1000), 1) };
}

async function paced(route: Route, n: number, ms: number) {
  const agent = new RouteAgent(route, true);
  await request(route, agent, '/small');
  const runs = 3;
  const delays: number[] = [];
  const ttfe: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.timeOrigin + performance.now();
    const r = await request(route, agent, `/sse?n=${n}&ms=${ms}`);
    for (const [arrived, sent] of r.events) delays.push(arrived - sent);
    ttfe.push(r.events[0]![0] - t0);
  }
  agent.destroy();
  return { delayP50Ms: round(pct(delays, 50)), delayP99Ms: round(pct(delays, 99)), timeToFirstEventMs: round(pct(ttfe, 50)) };
}

/**
 * Witness against bare mockttp taken in turn, request by request (keep-alive) and stream by
 * stream (first event), so that a busy host's drift hits both alike: the added cost is the
 * median of the pair-by-pair differences, not a difference of two runs minutes apart.
 */
async function pairedVsMockttp(routes: ProxyBenchRoutes, n: number, streams: number) {
  const a = { m: new RouteAgent(routes.mockttp, true), w: new RouteAgent(routes.intercepted, true) };
  for (let i = 0; i < 20; i++) {
    await request(routes.mockttp, a.m, '/small');
    await request(routes.intercepted, a.w, '/small');
  }
  const ka: number[] = [];
  for (let i = 0; i < n; i++) {
    // Who goes first alternates too: neither always follows the other's wake-up.
    const first = i % 2 === 0;
    const m1 = first ? (await request(routes.mockttp, a.m, '/small')).ms : 0;
    const w = (await request(routes.intercepted, a.w, '/small')).ms;
    const m = first ? m1 : (await request(routes.mockttp, a.m, '/small')).ms;
    ka.push(w - m);
  }
  const fe: number[] = [];
  for (let k = 0; k < streams; k++) {
    const t = async (route: Route, agent: RouteAgent) => {
      const t0 = performance.timeOrigin + performance.now();
      const r = await request(route, agent, '/sse?n=3&ms=5');
      return r.events[0]![0] - t0;
    };
    const m = await t(routes.mockttp, a.m);
    fe.push((await t(routes.intercepted, a.w)) - m);
  }
  // A stream that starts right after the same proxy's previous one ended (a client's next
  // turn): each proxy twice in a row, the second stream's first event compared. What the
  // proxy still does after an exchange ends (record, audit append) lands on the next one.
  const feNext: number[] = [];
  for (let k = 0; k < streams; k++) {
    const twice = async (route: Route, agent: RouteAgent) => {
      await request(route, agent, '/sse?n=3&ms=5');
      const t0 = performance.timeOrigin + performance.now();
      const r = await request(route, agent, '/sse?n=3&ms=5');
      return r.events[0]![0] - t0;
    };
    const m = await twice(routes.mockttp, a.m);
    feNext.push((await twice(routes.intercepted, a.w)) - m);
  }
  a.m.destroy();
  a.w.destroy();
  return {
    keepAliveAddedP50Ms: round(pct(ka, 50)),
    keepAliveAddedP90Ms: round(pct(ka, 90)),
    firstEventAddedP50Ms: round(pct(fe, 50)),
    firstEventBackToBackAddedP50Ms: round(pct(feNext, 50)),
    pairs: { keepAlive: n, streams },
  };
}

export async function runProxyBench(routes: ProxyBenchRoutes, log: (s: string) => void) {
  const modes = ['direct', 'tunnelled', 'mockttp', 'intercepted'] as const;
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of modes) {
    log(`  ${m}: keep-alive`);
    const ka = await keepAlive(routes[m], 500);
    log(`  ${m}: new connections`);
    const nc = await newConnections(routes[m], 200);
    log(`  ${m}: 20 MB burst`);
    const b = await burst(routes[m], 20);
    log(`  ${m}: paced SSE`);
    const p = await paced(routes[m], 50, 20);
    out[m] = { keepAlive500: ka, newConnections200: nc, burst20MB: b, sse50x20ms: p };
  }
  const g = (m: string, k: string, f: string) => (out[m]![k] as Record<string, number>)[f]!;
  const ratios = {
    keepAliveTotalVsDirect: Object.fromEntries(modes.map((m) => [m, round(g(m, 'keepAlive500', 'totalMs') / g('direct', 'keepAlive500', 'totalMs'), 2)])),
    newConnP50VsDirect: Object.fromEntries(modes.map((m) => [m, round(g(m, 'newConnections200', 'p50Ms') / g('direct', 'newConnections200', 'p50Ms'), 2)])),
    burstThroughputVsDirect: Object.fromEntries(modes.map((m) => [m, round(g(m, 'burst20MB', 'mbPerS') / g('direct', 'burst20MB', 'mbPerS'), 2)])),
    interceptedVsMockttp: {
      keepAliveAddedP50Ms: round(g('intercepted', 'keepAlive500', 'p50Ms') - g('mockttp', 'keepAlive500', 'p50Ms')),
      keepAliveAddedP99Ms: round(g('intercepted', 'keepAlive500', 'p99Ms') - g('mockttp', 'keepAlive500', 'p99Ms')),
      firstEventAddedMs: round(g('intercepted', 'sse50x20ms', 'timeToFirstEventMs') - g('mockttp', 'sse50x20ms', 'timeToFirstEventMs')),
      newConnAddedP50Ms: round(g('intercepted', 'newConnections200', 'p50Ms') - g('mockttp', 'newConnections200', 'p50Ms')),
      burstThroughputRatio: round(g('intercepted', 'burst20MB', 'mbPerS') / g('mockttp', 'burst20MB', 'mbPerS'), 2),
    },
    sseAddedDelayVsDirect: Object.fromEntries(
      modes.map((m) => [
        m,
        {
          p50Ms: round(g(m, 'sse50x20ms', 'delayP50Ms') - g('direct', 'sse50x20ms', 'delayP50Ms')),
          p99Ms: round(g(m, 'sse50x20ms', 'delayP99Ms') - g('direct', 'sse50x20ms', 'delayP99Ms')),
        },
      ]),
    ),
  };
  log('  intercepted vs mockttp, in turn');
  const paired = await pairedVsMockttp(routes, 500, 60);
  return { results: out, ratios, paired };
}
