/** Bench child: opens a store and reports start time and memory (a fresh process each time). */
import { AuditStore, search } from '../../proxy/audit/index.js';

const t0 = performance.now();
const s = await AuditStore.open({ dataDir: process.argv[2]!, readOnly: true });
const openMs = performance.now() - t0;
const lat = (fn: () => unknown) => {
  const xs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  return { p50: xs[10]!, p95: xs[19]! };
};
const fts = lat(() => search(s.db, { q: 'invoice generator', limit: 50 }));
const filtered = lat(() => search(s.db, { endpoint: 'chat', decision: 'masked', limit: 50 }));
const page = lat(() => search(s.db, { limit: 50, before: 5000 }));
global.gc?.();
process.stdout.write(JSON.stringify({ openMs, rssMB: process.memoryUsage().rss / 1048576, records: s.head.seq, searchFts: fts, searchFiltered: filtered, searchPage: page }) + '\n');
