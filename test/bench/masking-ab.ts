/**
 * Two masking implementations in one process, pass by pass in alternation (A B, B A, …), for
 * before/after comparisons on a busy machine: neighbouring passes see the same load, so the
 * median of the per-pair ratios is steadier than two whole bench runs. Same texts and pushes
 * as `npm run bench -- masking`; every streamed pass is checked against its own whole-text output.
 *
 *   npx tsx test/bench/masking-ab.ts <A: …/proxy/masking/index.ts> <B: …/proxy/masking/index.ts> [passes=15]
 *   (MASKING_AB_FIGURES=prose64,code64,… picks figures; default: every streaming figure and whole text)
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Masker as MaskerType, StreamingMasker as StreamingMaskerType } from '../../proxy/masking/index.js';
import { proseCorpus, sourceCorpus, streamed } from './masking.bench.js';

type MaskingModule = { Masker: typeof MaskerType; StreamingMasker: typeof StreamingMaskerType };

const [pathA, pathB] = process.argv.slice(2);
if (!pathA || !pathB) throw new Error('usage: masking-ab.ts <A index.ts> <B index.ts> [passes]');
const PASSES = Number(process.argv[4]) || 15;
const figures = (process.env.MASKING_AB_FIGURES ?? 'code4,code16,code64,code1024,prose4,prose16,prose64,prose1024,whole').split(',');

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const key = randomBytes(32);
const sides = await Promise.all(
  [pathA, pathB].map(async (p) => {
    const m = (await import(pathToFileURL(resolve(p)).href)) as MaskingModule;
    return { path: p, m, masker: new m.Masker({ key, cacheChars: 0 }) };
  }),
);
const source = sourceCorpus();
const code = source[0]!.slice(0, 100_000) + source[1]!.slice(0, 100_000);
const prose = proseCorpus();
const sourceBytes = source.reduce((a, t) => a + Buffer.byteLength(t), 0);

/** One timed pass of a figure on one side: µs per push, or MB/s for 1 KB pushes and whole text. */
function pass(side: (typeof sides)[number], figure: string): number {
  const t0 = cpuMs();
  if (figure === 'whole') {
    for (const t of source) side.masker.mask(t);
    return sourceBytes / 1048576 / ((cpuMs() - t0) / 1000);
  }
  const name = figure.startsWith('prose') ? 'prose' : 'code';
  const size = Number(figure.slice(name.length));
  const text = name === 'prose' ? prose : code;
  const reps = Math.max(1, Math.round(200_000 / text.length));
  const whole = side.masker.mask(text).text;
  const start = cpuMs();
  for (let r = 0; r < reps; r++) {
    if (streamed(side.m.StreamingMasker, side.masker, text, size) !== whole) throw new Error(`${side.path}: ${figure} streamed output differs from whole text`);
  }
  const ms = cpuMs() - start;
  return size >= 1024 ? (Buffer.byteLength(text) * reps) / 1048576 / (ms / 1000) : (ms * 1000) / (Math.ceil(text.length / size) * reps);
}

console.log(`A ${pathA}\nB ${pathB}\n${PASSES} passes per side, alternating; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const figure of figures) {
  const a: number[] = [];
  const b: number[] = [];
  for (let k = 0; k < PASSES + 2; k++) {
    const order = k % 2 === 0 ? [0, 1] : [1, 0];
    const got: number[] = [];
    for (const s of order) got[s] = pass(sides[s]!, figure);
    if (k >= 2) {
      a.push(got[0]!);
      b.push(got[1]!);
    }
  }
  const unit = figure === 'whole' || figure.endsWith('1024') ? 'MB/s' : 'µs/push';
  const ratios = a.map((x, i) => b[i]! / x);
  console.log(`${figure.padEnd(10)} ${unit.padEnd(8)} A ${median(a).toFixed(2).padStart(7)}  B ${median(b).toFixed(2).padStart(7)}  B/A (median of pairs) ${median(ratios).toFixed(3)}`);
}
