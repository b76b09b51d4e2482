/**
 * `npm run bench -- proxy --vs=<checkout>`: this checkout's engine against another's (say,
 * main's), in the same run, in turns (bare mockttp, this, the other; again and again), so a
 * machine whose speed drifts treats both alike. Reports per round what each adds over bare
 * mockttp: keep-alive p50/p99, time to the first event, and the masked burst.
 */
import { burst, keepAlive, paced } from './proxy.bench.js';
import { round, type Route } from './clients.js';

type Figures = { keepAliveP50Ms: number; keepAliveP99Ms: number; firstEventMs: number; burstMBps: number };

export async function alternateEngines(routes: { mockttp: Route; intercepted: Route; base: Route }, rounds: number, log: (s: string) => void) {
  const names = ['mockttp', 'intercepted', 'base'] as const;
  const perRound: Array<Record<(typeof names)[number], Figures>> = [];
  for (let r = 0; r < rounds; r++) {
    const got = {} as Record<(typeof names)[number], Figures>;
    // Each round starts with a different route, so none always runs first.
    for (const k of [0, 1, 2].map((i) => names[(i + r) % 3]!)) {
      log(`  round ${r + 1}: ${k}`);
      const ka = await keepAlive(routes[k], 500);
      const p = await paced(routes[k], 50, 20);
      const b = await burst(routes[k], 20);
      got[k] = { keepAliveP50Ms: ka.p50Ms, keepAliveP99Ms: ka.p99Ms, firstEventMs: p.timeToFirstEventMs, burstMBps: b.mbPerS };
    }
    perRound.push(got);
  }
  const added = (m: 'intercepted' | 'base') =>
    perRound.map((g) => ({
      keepAliveP50Ms: round(g[m].keepAliveP50Ms - g.mockttp.keepAliveP50Ms),
      keepAliveP99Ms: round(g[m].keepAliveP99Ms - g.mockttp.keepAliveP99Ms),
      firstEventMs: round(g[m].firstEventMs - g.mockttp.firstEventMs),
      burstMBps: g[m].burstMBps,
    }));
  return { perRound, addedOverMockttp: { this: added('intercepted'), other: added('base') } };
}
