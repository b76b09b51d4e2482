// Loaded into the soak's engine process (NODE_OPTIONS=--import): every SOAK_PROBE_MS it
// appends one JSON line of process.memoryUsage() to SOAK_PROBE_FILE, so RSS growth can be
// told apart as V8 heap, external memory or array buffers. Every SOAK_PROBE_GC_EVERY-th
// sample it first forces a full garbage collection and marks the line `gc: true`: the live
// heap after a full GC is what a leak grows; the heap before it also holds garbage not yet
// collected. Never part of the engine; only `npm run soak` loads it.
import { appendFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const file = process.env.SOAK_PROBE_FILE;
if (file) {
  const every = Number(process.env.SOAK_PROBE_MS ?? 10_000);
  const gcEvery = Number(process.env.SOAK_PROBE_GC_EVERY ?? 6);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  let n = 0;
  setInterval(() => {
    const forced = gcEvery > 0 && ++n % gcEvery === 0;
    if (forced) gc();
    const m = process.memoryUsage();
    appendFileSync(file, JSON.stringify({ at: Date.now(), gc: forced, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }) + '\n');
  }, every).unref();
}
