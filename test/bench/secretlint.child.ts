/**
 * The npm peer secretlint (recommended preset) on the shared dev corpus, in a process of its
 * own, one timed pass per request: `masking.bench.ts` starts it, reads a `ready` line, then
 * writes `round` lines and reads one JSON line per pass (`end` or a closed stdin ends it).
 * `round <k> <n>` does the k-th of n consecutive pieces of the corpus (split by bytes, every
 * snippet in exactly one piece), so that a pass can be cut into n requests with Witness's
 * passes between them. Witness's passes run in the bench process between this child's, round
 * by round, so both sides of the ratio see the same phases of the host.
 *
 * Why its own process: @secretlint/core installs a global PerformanceObserver when imported
 * (@secretlint/profiler) and marks every rule run with `performance.mark`. Four passes over the
 * corpus leave ≈ 600 000 marks in node's performance timeline and in the observer (heap ≈ 20 →
 * 155 MB), and the observer's callback, once the event loop turns, searches that array for every
 * new mark (quadratic: minutes of one core). In the bench process that backlog sat beside every
 * Witness figure measured after it. Here it dies with this process.
 *
 * Why requests are read synchronously: waiting for one with the event loop would let the
 * observer's callback run between passes, and its search (over every mark so far) would burn
 * this child's CPU beside the parent's Witness pass and grow from round to round. Blocked in
 * a read, the loop never turns, exactly as when all passes ran back to back. The timeline's
 * marks are cleared after each pass (outside its timing; node warns past a million of them).
 */
import { readSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { loadCorpus, SHARED_CORPUS } from '../helpers/corpus.js';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const texts = loadCorpus(SHARED_CORPUS).map((e) => e.text);
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };

/** Where each of n pieces of the corpus begins: snippet indices, cut at equal shares of the bytes. */
function pieceStarts(n: number): number[] {
  const starts = [0];
  let sum = 0;
  texts.forEach((t, i) => {
    sum += Buffer.byteLength(t);
    if (starts.length < n && sum >= (bytes * starts.length) / n) starts.push(i + 1);
  });
  while (starts.length < n) starts.push(texts.length);
  return [...starts, texts.length];
}

/** One pass over piece k of n of the corpus (n = 1: all of it): its CPU time, findings and size. */
async function pass(k = 0, n = 1): Promise<{ ms: number; findings: number; snippets: number; bytes: number }> {
  const starts = pieceStarts(n);
  const piece = texts.slice(starts[k], starts[k + 1]);
  const t0 = cpuMs();
  let findings = 0;
  for (const t of piece) {
    const res = await lintSource({ source: { content: t, filePath: '/snippet.txt', contentType: 'text' }, options: { config } });
    findings += res.messages.length;
  }
  const ms = cpuMs() - t0;
  return { ms, findings, snippets: piece.length, bytes: piece.reduce((a, t) => a + Buffer.byteLength(t), 0) };
}

const chunk = Buffer.alloc(256);
let pending = '';
/** The next request line from stdin, read without turning the event loop; null at its end. */
function readLine(): string | null {
  for (;;) {
    const nl = pending.indexOf('\n');
    if (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      return line.trim();
    }
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      // A non-blocking stdin with nothing in it yet: wait a millisecond (still no event loop).
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      continue;
    }
    if (n === 0) return null;
    pending += chunk.toString('latin1', 0, n);
  }
}

const say = (o: object) => writeSync(1, JSON.stringify(o) + '\n');

say({ ready: true, bytes, snippets: texts.length });
for (let line = readLine(); line !== null && line !== 'end'; line = readLine()) {
  const [word, k, n] = line.split(' ');
  const piece = k === undefined ? [0, 1] : [Number(k), Number(n)];
  if (word !== 'round' || !(piece[0]! >= 0 && piece[0]! < piece[1]!)) throw new Error(`secretlint.child.ts: unknown request ${JSON.stringify(line)}`);
  say(await pass(piece[0], piece[1]));
  performance.clearMarks();
}
// Exit now: the profiler's observer would otherwise drain its backlog before the process ends.
process.exit(0);
