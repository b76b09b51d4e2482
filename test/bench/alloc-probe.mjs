/**
 * Bench probe: what a bench child allocates on the JS heap, and how often it collects, between
 * two marks. Loaded into every process of a run with
 *   NODE_OPTIONS=--import=<this file> WITNESS_BENCH_ALLOC_DIR=<dir> npm run bench -- proxy-masking
 * it does nothing until the bench sends it SIGUSR2 (proxy-masking's paired section does, at its
 * start and end, to each proxy: only when WITNESS_BENCH_ALLOC_DIR is set, as an unprobed Node
 * process dies of SIGUSR2). At each signal it appends one JSON line to <dir>/alloc-<pid>.jsonl:
 * the bytes allocated since it was loaded (the heap's growth between collections plus what each
 * collection freed, from v8.GCProfiler's before/after figures), and the collections so far by
 * type with their summed pause. Unlike wall time, bytes allocated per event and collections per
 * 1,000 events hardly move with the host's load.
 * WITNESS_BENCH_ALLOC_PROFILE=1 also runs V8's sampling heap profiler between the first and the
 * second mark (objects collected since included, so it shows where the garbage is made) and
 * writes <dir>/alloc-<pid>.heapprofile (Chrome DevTools reads it; alloc-report.ts sums it).
 * Bench only: never loaded by the engine outside a bench run.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const dir = process.env.WITNESS_BENCH_ALLOC_DIR;
if (dir) {
  let profiler = new GCProfiler();
  profiler.start();
  let lastUsed = getHeapStatistics().used_heap_size;
  let allocated = 0;
  let pauseUs = 0;
  const gcs = {};
  let marks = 0;
  let session = null;
  const file = join(dir, `alloc-${process.pid}.jsonl`);
  const account = () => {
    // A new profiler before the old one stops: no collection falls between the two.
    const done = profiler;
    profiler = new GCProfiler();
    profiler.start();
    for (const s of done.stop()?.statistics ?? []) {
      allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - lastUsed);
      lastUsed = s.afterGC.heapStatistics.usedHeapSize;
      gcs[s.gcType] = (gcs[s.gcType] ?? 0) + 1;
      pauseUs += s.cost;
    }
    const used = getHeapStatistics().used_heap_size;
    allocated += Math.max(0, used - lastUsed);
    lastUsed = used;
  };
  process.on('SIGUSR2', async () => {
    account();
    marks++;
    // The young generation's size now (what a scavenge clears; V8 grows and shrinks it with the survival rate).
    const newSpaceKB = Math.round((getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0) / 1024);
    appendFileSync(file, JSON.stringify({ pid: process.pid, mark: marks, argv: process.argv.slice(1, 3), allocatedBytes: allocated, gcs, gcPauseMs: Math.round(pauseUs) / 1000, newSpaceKB }) + '\n');
    if (process.env.WITNESS_BENCH_ALLOC_PROFILE !== '1') return;
    const { Session } = await import('node:inspector');
    if (marks === 1) {
      session = new Session();
      session.connect();
      session.post('HeapProfiler.enable');
      session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    } else if (marks === 2 && session) {
      session.post('HeapProfiler.stopSampling', (err, r) => {
        if (!err) writeFileSync(join(dir, `alloc-${process.pid}.heapprofile`), JSON.stringify(r.profile));
        session.disconnect();
      });
    }
  });
}
