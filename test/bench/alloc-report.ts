/**
 * Sums a sampling heap profile (alloc-probe.mjs with WITNESS_BENCH_ALLOC_PROFILE=1) by where
 * the bytes were allocated: per function (self) and per area (the module that owns the
 * allocating frame: Witness's folders, mockttp, Node's streams, HTTP, TLS…), and per area of
 * the nearest Witness or mockttp frame on the stack (who asked for it), in bytes per event.
 *   npx tsx test/bench/alloc-report.ts <alloc-PID.heapprofile> <events> [top]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Node {
  callFrame: CallFrame;
  selfSize: number;
  children: Node[];
}

const [file, eventsArg, topArg] = process.argv.slice(2);
if (!file || !eventsArg) {
  console.error('usage: alloc-report.ts <profile.heapprofile> <events> [top]');
  process.exit(2);
}
const events = Number(eventsArg);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: Node };

/** The area a frame's script belongs to. */
function area(url: string): string {
  if (!url) return '(native / V8)';
  const w = /\/(proxy\/[^/]+(?:\/[^/]+)?)\//.exec(url) ?? /\/(proxy)\/[^/]+$/.exec(url);
  if (w && !url.includes('node_modules')) return w[1]!.replace(/\/[^/]+\.js$/, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const internal = /^node:(?:internal\/)?([^/]+(?:\/[^/]+)?)/.exec(url);
  if (internal) return `node:${internal[1]!.replace(/\.js$/, '')}`;
  return url;
}
const owner = (url: string) => !!url && (/\/proxy\//.test(url) && !url.includes('node_modules') ? true : url.includes('node_modules/mockttp'));

const byFn = new Map<string, number>();
const byArea = new Map<string, number>();
const byOwner = new Map<string, number>();
let total = 0;
const walk = (n: Node, nearestOwner: string) => {
  const f = n.callFrame;
  const here = owner(f.url) ? `${area(f.url)} ${f.functionName || '(anonymous)'}` : nearestOwner;
  if (n.selfSize > 0) {
    total += n.selfSize;
    const fn = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + n.selfSize);
    byArea.set(area(f.url), (byArea.get(area(f.url)) ?? 0) + n.selfSize);
    byOwner.set(here, (byOwner.get(here) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
};
walk(profile.head, '(no Witness or mockttp frame)');

const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${String(Math.round(v / events)).padStart(8)} B/event  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
};
console.log(`sampled ${Math.round(total / 1024)} KB over ${events} events: ${Math.round(total / events)} B/event`);
show('by area of the allocating frame', byArea);
show('by the nearest Witness or mockttp frame on the stack', byOwner);
show('by function (self)', byFn);
