/**
 * Bench child: opens a store and reports start time and memory, in a fresh process running
 * the compiled engine (dist/, as `witness start` does), so RSS is what users would see.
 */
import { AuditStore, search } from '../../dist/proxy/audit/index.js';

const t0 = performance.now();
const s = await AuditStore.open({ dataDir: process.argv[2], readOnly: true });
const openMs = performance.now() - t0;
global.gc?.();
const rssOpenMB = process.memoryUsage().rss / 1048576;
const lat = (fn) => {
  const xs = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  return { p50: xs[10], p95: xs[19] };
};
const fts = lat(() => search(s, { q: 'invoice generator', limit: 50 }));
const filtered = lat(() => search(s, { endpoint: 'chat', decision: 'masked', limit: 50 }));
const page = lat(() => search(s, { limit: 50, before: 5000 }));
global.gc?.();
process.stdout.write(
  JSON.stringify({ openMs, rssOpenMB, rssMB: process.memoryUsage().rss / 1048576, records: s.head.seq, searchFts: fts, searchFiltered: filtered, searchPage: page }) + '\n',
);
