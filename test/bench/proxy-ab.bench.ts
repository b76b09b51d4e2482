/**
 * Two engines against bare mockttp, request by request in one run: `npm run bench -- proxy-ab`
 * with WITNESS_BENCH_ENGINE_B=<built checkout> (engine A is this checkout, or
 * WITNESS_BENCH_ENGINE). Each round makes one keep-alive request through mockttp, A and B,
 * in an order that rotates, so a busy host's drift hits all three alike; then short event
 * streams the same way (time to first event); then both again with each route twice in a
 * row, the second measured (back to back). Reported: the median of each engine's
 * pair-by-pair difference to mockttp, and of B minus A.
 */
import { pct, request, round, RouteAgent, type Route } from './clients.js';

export interface ProxyAbRoutes {
  mockttp: Route;
  a: Route;
  b: Route;
}

export async function runProxyAbBench(routes: ProxyAbRoutes, log: (s: string) => void, n = Number(process.env.WITNESS_BENCH_AB_N ?? 1500)) {
  const names = ['mockttp', 'a', 'b'] as const;
  const agents = Object.fromEntries(names.map((k) => [k, new RouteAgent(routes[k], true)])) as Record<(typeof names)[number], RouteAgent>;
  for (let i = 0; i < 30; i++) for (const k of names) await request(routes[k], agents[k], '/small');
  const orders = [
    ['mockttp', 'a', 'b'],
    ['a', 'b', 'mockttp'],
    ['b', 'mockttp', 'a'],
    ['mockttp', 'b', 'a'],
    ['b', 'a', 'mockttp'],
    ['a', 'mockttp', 'b'],
  ] as const;
  const aAdded: number[] = [];
  const bAdded: number[] = [];
  const bMinusA: number[] = [];
  log(`  proxy-ab: ${n} rounds of mockttp / A / B keep-alive requests`);
  for (let i = 0; i < n; i++) {
    const ms = { mockttp: 0, a: 0, b: 0 };
    for (const k of orders[i % orders.length]!) ms[k] = (await request(routes[k], agents[k], '/small')).ms;
    aAdded.push(ms.a - ms.mockttp);
    bAdded.push(ms.b - ms.mockttp);
    bMinusA.push(ms.b - ms.a);
  }
  // Time to first event of a short stream, the three routes in rotating order too.
  const streams = Number(process.env.WITNESS_BENCH_AB_STREAMS ?? 60);
  const aFirst: number[] = [];
  const bFirst: number[] = [];
  for (let i = 0; i < streams; i++) {
    const fe = { mockttp: 0, a: 0, b: 0 };
    for (const k of orders[i % orders.length]!) {
      const t0 = performance.timeOrigin + performance.now();
      const r = await request(routes[k], agents[k], '/sse?n=3&ms=5');
      fe[k] = r.events[0]![0] - t0;
    }
    aFirst.push(fe.a - fe.mockttp);
    bFirst.push(fe.b - fe.mockttp);
  }
  // Back to back: each route twice in a row, the second request measured (a client's next
  // request right after its last answer, while the proxy may still be doing the last one's
  // after-work: record, audit append). The same for short streams (time to first event).
  const aNext: number[] = [];
  const bNext: number[] = [];
  for (let i = 0; i < n / 3; i++) {
    const ms = { mockttp: 0, a: 0, b: 0 };
    for (const k of orders[i % orders.length]!) {
      await request(routes[k], agents[k], '/small');
      ms[k] = (await request(routes[k], agents[k], '/small')).ms;
    }
    aNext.push(ms.a - ms.mockttp);
    bNext.push(ms.b - ms.mockttp);
  }
  const aFirstNext: number[] = [];
  const bFirstNext: number[] = [];
  for (let i = 0; i < streams; i++) {
    const fe = { mockttp: 0, a: 0, b: 0 };
    for (const k of orders[i % orders.length]!) {
      await request(routes[k], agents[k], '/sse?n=3&ms=5');
      const t0 = performance.timeOrigin + performance.now();
      const r = await request(routes[k], agents[k], '/sse?n=3&ms=5');
      fe[k] = r.events[0]![0] - t0;
    }
    aFirstNext.push(fe.a - fe.mockttp);
    bFirstNext.push(fe.b - fe.mockttp);
  }
  for (const k of names) agents[k].destroy();
  return {
    aBackToBackAddedP50Ms: round(pct(aNext, 50)),
    bBackToBackAddedP50Ms: round(pct(bNext, 50)),
    aFirstEventBackToBackAddedP50Ms: round(pct(aFirstNext, 50)),
    bFirstEventBackToBackAddedP50Ms: round(pct(bFirstNext, 50)),
    streams,
    aFirstEventAddedP50Ms: round(pct(aFirst, 50)),
    bFirstEventAddedP50Ms: round(pct(bFirst, 50)),
    rounds: n,
    aAddedP50Ms: round(pct(aAdded, 50)),
    bAddedP50Ms: round(pct(bAdded, 50)),
    aAddedP90Ms: round(pct(aAdded, 90)),
    bAddedP90Ms: round(pct(bAdded, 90)),
    bMinusAP50Ms: round(pct(bMinusA, 50)),
  };
}
