/**
 * Two proxies' V8 CPU profiles over the same measured rounds of the paired paced section
 * (WITNESS_BENCH_CPU_PROF writes the engine's and bare mockttp's): CPU time per event by
 * function and by where the code lives, side by side, largest difference first. Read-only.
 *   npx tsx test/bench/profile-compare.ts <engine .cpuprofile> <mockttp .cpuprofile> <results json> [top]
 * The window is the results' `roundsMonoMs` (a V8 profile's timestamps are the same monotonic
 * clock, in µs); per event divides by the rounds' events (`rounds × eventsPerStream`).
 */
import { readFileSync } from 'node:fs';

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** Where code lives: Witness's engine, mockttp, another package, Node's own JavaScript, or V8/native. */
function place(url: string): string {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).replace(/^internal\//, '').split('/')[0]!.replace(/\.js$/, '');
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 13).split('/').slice(0, url.slice(nm + 13).startsWith('@') ? 2 : 1).join('/');
  const dist = /\/(dist\/)?(proxy|test)\/(.+?)\/?[^/]*$/.exec(url);
  return dist ? `witness:${dist[2]}/${dist[3]}` : url;
}

/** µs of self time per function and per place, over samples within [start, end] ms monotonic. */
function selfTimes(file: string, start: number, end: number) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const where = new Map<string, number>();
  // Each sample counts as the profile's sampling interval (the median gap): a long gap after a
  // sample (the thread descheduled, the sampler late) is not time spent in that sample's function.
  const us = [...p.timeDeltas].sort((a, b) => a - b)[p.timeDeltas.length >> 1]!;
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t / 1000 < start || t / 1000 > end) continue;
    const f = byId.get(p.samples[i]!)!.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)' || f.functionName === '(garbage collector)') {
      where.set(f.functionName, (where.get(f.functionName) ?? 0) + us);
      if (f.functionName !== '(idle)') total += us;
      continue;
    }
    const key = `${f.functionName || '(anonymous)'} ${place(f.url)}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    where.set(place(f.url), (where.get(place(f.url)) ?? 0) + us);
    total += us;
  }
  return { fn, where, total };
}

const [engineFile, mockFile, resultsFile, topArg] = process.argv.slice(2);
if (!engineFile || !mockFile || !resultsFile) throw new Error('usage: profile-compare.ts <engine .cpuprofile> <mockttp .cpuprofile> <results json> [top]');
const r = JSON.parse(readFileSync(resultsFile, 'utf8')).proxyMasking.pairedPaced50x20ms;
const { start, end } = r.roundsMonoMs as { start: number; end: number };
const events = r.rounds * r.eventsPerStream;
const top = Number(topArg ?? 25);
const w = selfTimes(engineFile, start, end);
const m = selfTimes(mockFile, start, end);
const perEvent = (us: number | undefined) => ((us ?? 0) / events).toFixed(1).padStart(7);
console.log(`window ${((end - start) / 1000).toFixed(1)} s, ${events} events; CPU µs per event (idle left out): Witness ${perEvent(w.total)}, mockttp ${perEvent(m.total)}`);
const table = (a: Map<string, number>, b: Map<string, number>, n: number) => {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => Math.abs((a.get(y) ?? 0) - (b.get(y) ?? 0)) - Math.abs((a.get(x) ?? 0) - (b.get(x) ?? 0)));
  console.log(' Witness  mockttp     diff  (µs per event)');
  for (const k of keys.slice(0, n)) console.log(`${perEvent(a.get(k))}  ${perEvent(b.get(k))}  ${perEvent((a.get(k) ?? 0) - (b.get(k) ?? 0))}  ${k}`);
};
console.log('\nby place');
table(w.where, m.where, top);
console.log('\nby function');
table(w.fn, m.fn, top);
