// Loaded into the soak's engine process (NODE_OPTIONS=--import): every SOAK_PROBE_MS it
// appends one JSON line of process.memoryUsage() to SOAK_PROBE_FILE, so RSS growth can be
// told apart as V8 heap, external memory or array buffers. It also writes a line marked
// `gc: true` just after the first natural full (mark-compact) collection of each interval:
// the heap left after a full GC is the live heap, what a leak grows; the heap between GCs
// also holds garbage not yet collected.
// The probe does not force collections by default: a forced full GC compacts the heap and
// hands pages back, so the RSS sampled after it would be the probe's doing, a low the engine
// never reaches on its own (seen as the lowest RSS samples of a soak, each right after one).
// SOAK_PROBE_GC_EVERY=n forces one every n-th sample all the same, for a heap measured at a
// fixed rhythm. Never part of the engine; only `npm run soak` loads it.
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const file = process.env.SOAK_PROBE_FILE;
if (file) {
  const every = Number(process.env.SOAK_PROBE_MS ?? 10_000);
  const gcEvery = Number(process.env.SOAK_PROBE_GC_EVERY ?? 0);
  const write = (gc, forced) => {
    const m = process.memoryUsage();
    appendFileSync(file, JSON.stringify({ at: Date.now(), gc, forced, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }) + '\n');
  };
  let fullGcSeen = false;
  new PerformanceObserver((list) => {
    if (fullGcSeen) return;
    if (list.getEntries().some((e) => e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
      fullGcSeen = true;
      write(true, false);
    }
  }).observe({ entryTypes: ['gc'] });
  let forceGc = null;
  if (gcEvery > 0) {
    setFlagsFromString('--expose-gc');
    forceGc = runInNewContext('gc');
  }
  let n = 0;
  setInterval(() => {
    if (forceGc && ++n % gcEvery === 0) {
      forceGc();
      write(true, true);
    } else write(false, false);
    fullGcSeen = false;
  }, every).unref();
}
