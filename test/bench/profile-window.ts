/**
 * What the engine ran just before its late events: reads a V8 CPU profile (the engine's, from
 * WITNESS_BENCH_CPU_PROF, best with WITNESS_BENCH_CPU_PROF_US=50) and the `worst` events of the
 * paired section (bench/results/latest.json, `proxyMasking.pairedPaced50x20ms.worst`), and per
 * event prints the profile's samples in the window before its arrival: self time by function,
 * with (idle), (program) and (garbage collector) as V8 names them. Both use the monotonic clock
 * (a profile's timestamps are its µs), so the windows line up without any offset.
 *   npx tsx test/bench/profile-window.ts <engine .cpuprofile> [results.json] [window ms, default 3]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [profFile, resultsFile = 'bench/results/latest.json', windowArg = '3'] = process.argv.slice(2);
if (!profFile) throw new Error('usage: profile-window.ts <engine .cpuprofile> [results.json] [window ms]');
const prof = JSON.parse(readFileSync(profFile, 'utf8')) as CpuProfile;
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { proxyMasking: { pairedPaced50x20ms: { worst: Array<{ round: number; n: number; addedMs: number; directMs: number; atMonoMs?: number }> } } };
const windowMs = Number(windowArg);

const name = new Map(prof.nodes.map((n) => [n.id, n.callFrame.functionName ? `${n.callFrame.functionName} ${n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : n.callFrame.url ? `(anonymous) ${n.callFrame.url.replace(/^.*\//, '')}` : '(root)']));
const times: number[] = [];
let t = prof.startTime;
for (const d of prof.timeDeltas) times.push((t += d) / 1000);

// The sampling interval (median gap between samples), to say how many samples a window would
// hold had the engine's process run throughout: far fewer means it was not running (preempted).
const interval = [...prof.timeDeltas].sort((a, b) => a - b)[prof.timeDeltas.length >> 1]! / 1000;

for (const w of results.proxyMasking.pairedPaced50x20ms.worst) {
  if (w.atMonoMs === undefined) continue;
  const from = w.atMonoMs - windowMs;
  const self = new Map<string, number>();
  let samples = 0;
  let last = -Infinity;
  for (let i = 0; i < times.length; i++) {
    if (times[i]! < from || times[i]! > w.atMonoMs) continue;
    samples++;
    last = Math.max(last, times[i]!);
    const f = name.get(prof.samples[i]!) ?? '?';
    self.set(f, (self.get(f) ?? 0) + 1);
  }
  const expected = Math.round(windowMs / interval);
  console.log(`round ${w.round} event ${w.n}: added ${w.addedMs} ms (direct's own ${w.directMs} ms); ${samples} samples (of ~${expected} had the process run throughout) in the ${windowMs} ms before its arrival, the last ${(w.atMonoMs - last).toFixed(2)} ms before`);
  for (const [f, c] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(c).padStart(4)}  ${f}`);
}
