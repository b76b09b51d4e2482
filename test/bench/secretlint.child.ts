/**
 * The npm peer secretlint (recommended preset) on the shared dev corpus, in a process of its
 * own: `masking.bench.ts` spawns it and reads one JSON line from stdout.
 *
 * Why its own process: @secretlint/core installs a global PerformanceObserver when imported
 * (@secretlint/profiler) and marks every rule run with `performance.mark`. Four passes over the
 * corpus leave ≈ 600 000 marks in node's performance timeline and in the observer (heap ≈ 20 →
 * 155 MB), and the observer's callback, once the event loop turns, searches that array for every
 * new mark (quadratic: minutes of one core). In the bench process that backlog sat beside every
 * Witness figure measured after it. Here it dies with this process.
 */
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
const rounds: number[] = [];
let findings = 0;
for (let r = -1; r < 3; r++) {
  const t0 = cpuMs();
  let found = 0;
  for (const t of texts) {
    const res = await lintSource({ source: { content: t, filePath: '/snippet.txt', contentType: 'text' }, options: { config } });
    found += res.messages.length;
  }
  if (r >= 0) rounds.push(cpuMs() - t0); // (round -1 warms up)
  findings = found;
}
rounds.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ bytes, findings, medianMs: rounds[1], rounds }) + '\n');
// Exit now: the profiler's observer would otherwise drain its backlog before the process ends.
process.exit(0);
