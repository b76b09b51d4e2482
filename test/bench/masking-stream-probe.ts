/**
 * What moves the streaming figures of `npm run bench -- masking`: the same passes (same texts,
 * same pushes, a pass = ≥ 200 KB of pushes), each timed several ways — CPU time of the process
 * (what the bench reports: every thread); CPU time of the main thread and of all threads from
 * Linux's schedstat (one clock: `threadsUs − mainUs` is the other threads'); wall time; the
 * garbage collections begun in it (PerformanceObserver 'gc' entries: count and pause by kind,
 * wall time of the main thread) — plus the host's steal time (/proc/stat, whole machine) over
 * the pass and a fixed canary (test/bench/cpu-meter.ts) timed just before it: when a pass
 * slows and the canary beside it does not, the cause is in the process, not the host. One
 * JSON line per pass on stdout, so that processes (node flags, `setarch -R`, …) can be compared.
 *
 *   node [flags] --import tsx test/bench/masking-stream-probe.ts [passes=40] [warm=2]
 *   (MASKING_PROBE_FIGURES=prose1024,code64,… picks figures, `source` = whole text on the
 *   node_modules source, per KB; MASKING_IMPL as in the bench;
 *   MASKING_PROBE_MARK=1 writes `#pass <figure> <n>` before each pass, to place the lines of
 *   a V8 trace flag such as --trace-deopt between passes)
 *
 * A diagnostic, not a bench: it measures nothing the bench does not, only splits its time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Masker as MaskerType, StreamingMasker as StreamingMaskerType } from '../../proxy/masking/index.js';
import { canaryMs, GcLog, processMs, threadsMs } from './cpu-meter.js';
import { proseCorpus, sourceCorpus, streamed } from './masking.bench.js';

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

/** A figure's pass and how many units (pushes; KB of source for `source`) it times. */
function figurePass(figure: string): { pass: () => void; units: number } {
  if (figure === 'source') {
    const bytes = source.reduce((a, t) => a + Buffer.byteLength(t), 0);
    return { pass: () => source.forEach((t) => masker.mask(t)), units: bytes / 1024 };
  }
  const [, name, sizeText] = /^(code|prose)(\d+)$/.exec(figure) ?? [];
  if (!name) throw new Error(`unknown figure ${figure}`);
  const text = texts[name as 'code' | 'prose'];
  const size = Number(sizeText);
  const whole = masker.mask(text).text;
  const reps = Math.max(1, Math.round(200_000 / text.length));
  const pass = () => {
    for (let k = 0; k < reps; k++) {
      if (streamed(StreamingMasker, masker, text, size) !== whole) throw new Error(`${figure}: stream differs from whole text`);
    }
  };
  return { pass, units: Math.ceil(text.length / size) * reps };
}

for (const figure of figures) {
  const { pass, units: pushes } = figurePass(figure);
  for (let i = 0; i < WARM; i++) pass();
  const rows: Array<{ t0: number; t1: number; cpu: number; main: number; threads: number; steal: number; canary: number }> = [];
  for (let p = 0; p < PASSES; p++) {
    if (process.env.MASKING_PROBE_MARK) process.stdout.write(`#pass ${figure} ${p}\n`);
    const canary = canaryMs();
    const s = stealMs();
    const c = processMs();
    const th0 = threadsMs()!;
    const t0 = performance.now();
    pass();
    const t1 = performance.now();
    const th1 = threadsMs()!;
    rows.push({ t0, t1, cpu: processMs() - c, main: th1.main - th0.main, threads: th1.all - th0.all, steal: stealMs() - s, canary });
  }
  // The observer's entries arrive once the event loop turns; each is given to the pass it began in.
  await gcLog.settle();
  rows.forEach((row, p) => {
    const gc = gcLog.within(row.t0, row.t1);
    const gcMs = Object.values(gc).reduce((a, k) => a + k.ms, 0);
    const us = (ms: number) => Math.round((ms * 1e5) / pushes) / 100;
    process.stdout.write(
      JSON.stringify({ figure, pass: p, usPerPush: us(row.cpu), mainUs: us(row.main), threadsUs: us(row.threads), wallUs: us(row.t1 - row.t0), gcUs: us(gcMs), gc, stealMs: row.steal, canaryMs: Math.round(row.canary * 1000) / 1000 }) + '\n',
    );
  });
}
gcLog.close();
