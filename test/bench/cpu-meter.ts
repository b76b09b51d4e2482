/**
 * Meters for the masking bench and its probe (test/bench/masking-stream-probe.ts), beside the
 * process's CPU time that the figures are made of: the main thread's own CPU time (what the
 * rest, GC helper threads and concurrent JIT compiles, took), the collections that began in a
 * stretch of time, and a fixed canary that says how fast the host runs right now. They only
 * observe: nothing here changes the work that is timed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/** CPU time of this process in ms, every thread (user + system). */
export function processMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU ms of this process's main thread and of all its threads, both from Linux's per-thread
 * schedstat (first field: ns on a CPU), so that their difference is what the other threads
 * (GC helpers, the JIT's compile threads) ran; null where there is no /proc. Not from
 * process.cpuUsage(): against it, pure main-thread work read 2–4 % longer on the main thread
 * than in the whole process (the two clocks are kept apart in the kernel). Costs a few hundred
 * µs: call it outside the spans that are timed.
 */
export function threadsMs(): { main: number; all: number } | null {
  try {
    let all = 0;
    let main = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      let ns: number;
      try {
        ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      } catch {
        continue; // a thread that ended meanwhile
      }
      all += ns;
      if (Number(tid) === process.pid) main = ns;
    }
    return { main: main / 1e6, all: all / 1e6 };
  } catch {
    return null;
  }
}

const canaryData = new Float64Array(32768).map((_, i) => (i * 7919) % 1000);
/**
 * CPU ms of a fixed piece of work that allocates nothing and shares no code with the masker
 * (strided sums over 256 KB of doubles, about 1.3 ms on a fast host). Its time moves only with
 * the host (on this VM it has two levels, ≈ 1.35 and ≈ 2.2 ms, switching within a process);
 * the masker's passes move with it. Call it a few times before trusting it (JIT).
 */
export function canaryMs(): number {
  const t = processMs();
  let acc = 0;
  for (let k = 0; k < 40; k++) for (let i = 0; i < canaryData.length; i += 1 + (k & 3)) acc += canaryData[i]! * (k + 1);
  if (acc < 0) throw new Error('unreachable');
  return processMs() - t;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * The garbage collections (PerformanceObserver 'gc' entries) while it is open. Entries arrive
 * only once the event loop turns: `within()` after `settle()` gives each to the span it began in.
 * A pause's duration is wall time of the main thread (a busy host stretches it).
 */
export class GcLog {
  private readonly entries: PerformanceEntry[] = [];
  private readonly observer = new PerformanceObserver((list) => this.entries.push(...list.getEntries()));

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Collections begun in [t0, t1) (performance.now() times), by kind: count and pause ms. */
  within(t0: number, t1: number): Record<string, { n: number; ms: number }> {
    const out: Record<string, { n: number; ms: number }> = {};
    for (const e of this.entries) {
      if (e.startTime < t0 || e.startTime >= t1) continue;
      const k = (out[GC_KINDS[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other'] ??= { n: 0, ms: 0 });
      k.n++;
      k.ms += e.duration;
    }
    return out;
  }

  /** Waits for the entries so far to arrive. */
  async settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.observer.disconnect();
  }
}
