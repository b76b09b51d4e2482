/**
 * What moves the streaming figures of `npm run bench -- masking`: the same passes (same texts,
 * same pushes, a pass = ≥ 200 KB of pushes), each timed four ways — CPU time of the process
 * (what the bench reports: every thread), CPU time of the main thread alone
 * (/proc/thread-self/schedstat, Linux), wall time, and the garbage collections that started in
 * it (PerformanceObserver 'gc' entries: count and pause by kind, main-thread time) — plus the
 * host's steal time (/proc/stat, whole machine) over the pass, and a fixed canary (the same
 * few milliseconds of array work before every pass, JIT-compiled once): when a pass slows and
 * the canary beside it does not, the cause is in the process (its code or heap), not the host.
 * One JSON line per pass on
 * stdout, so that several processes (node flags, `setarch -R`, …) can be compared afterwards.
 *
 *   node [flags] --import tsx test/bench/masking-stream-probe.ts [passes=40] [warm=2]
 *   (MASKING_PROBE_FIGURES=prose1024,code64,… picks figures; MASKING_IMPL as in the bench;
 *   MASKING_PROBE_MARK=1 writes `#pass <figure> <n>` before each pass, to place the lines of
 *   a V8 trace flag such as --trace-deopt between passes)
 *
 * A diagnostic, not a bench: it measures nothing the bench does not, only splits its time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Masker as MaskerType, StreamingMasker as StreamingMaskerType } from '../../proxy/masking/index.js';
import { canaryMs, GcLog, mainThreadMs, processMs } from './cpu-meter.js';
import { proseCorpus, sourceCorpus } from './masking.bench.js';

type MaskingModule = { Masker: typeof MaskerType; StreamingMasker: typeof StreamingMaskerType };

const PASSES = Number(process.argv[2]) || 40;
const WARM = Number(process.argv[3] ?? 2);
const figures = (process.env.MASKING_PROBE_FIGURES ?? 'prose64,prose1024,code64,code1024').split(',');

/** The whole machine's steal time in ms (the hypervisor ran someone else on our vCPUs). */
const stealMs = () => Number(readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/)[8]) * 10;
for (let i = 0; i < 20; i++) canaryMs();
const gcLog = new GcLog();

const { Masker, StreamingMasker } = (await import(process.env.MASKING_IMPL ?? '../../proxy/masking/index.js')) as MaskingModule;
const masker = new Masker({ key: randomBytes(32), cacheChars: 0 });
const source = sourceCorpus();
const texts = { code: source[0]!.slice(0, 100_000) + source[1]!.slice(0, 100_000), prose: proseCorpus() };

for (const figure of figures) {
  const [, name, sizeText] = /^(code|prose)(\d+)$/.exec(figure) ?? [];
  if (!name) throw new Error(`unknown figure ${figure}`);
  const text = texts[name as 'code' | 'prose'];
  const size = Number(sizeText);
  const whole = masker.mask(text).text;
  const reps = Math.max(1, Math.round(200_000 / text.length));
  const pass = () => {
    for (let k = 0; k < reps; k++) {
      const sm = new StreamingMasker(masker);
      let out = '';
      for (let i = 0; i < text.length; i += size) out += sm.push(text.slice(i, i + size));
      out += sm.flush();
      if (out !== whole) throw new Error(`${figure}: stream differs from whole text`);
    }
  };
  const pushes = Math.ceil(text.length / size) * reps;
  for (let i = 0; i < WARM; i++) pass();
  const rows: Array<{ t0: number; t1: number; cpu: number; main: number; steal: number; canary: number }> = [];
  for (let p = 0; p < PASSES; p++) {
    if (process.env.MASKING_PROBE_MARK) process.stdout.write(`#pass ${figure} ${p}\n`);
    const canary = canaryMs();
    const s = stealMs();
    const c = processMs();
    const m = mainThreadMs();
    const t0 = performance.now();
    pass();
    const t1 = performance.now();
    rows.push({ t0, t1, cpu: processMs() - c, main: mainThreadMs() - m, steal: stealMs() - s, canary });
  }
  // The observer's entries arrive once the event loop turns; each is given to the pass it began in.
  await gcLog.settle();
  rows.forEach((row, p) => {
    const gc = gcLog.within(row.t0, row.t1);
    const gcMs = Object.values(gc).reduce((a, k) => a + k.ms, 0);
    const us = (ms: number) => Math.round((ms * 1e5) / pushes) / 100;
    process.stdout.write(
      JSON.stringify({ figure, pass: p, usPerPush: us(row.cpu), mainUs: us(row.main), wallUs: us(row.t1 - row.t0), gcUs: us(gcMs), gc, stealMs: row.steal, canaryMs: Math.round(row.canary * 1000) / 1000 }) + '\n',
    );
  });
}
gcLog.close();
