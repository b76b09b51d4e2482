/**
 * The bench's side of alloc-probe.mjs: marks the proxies' processes (SIGUSR2) and reads back
 * what each allocated and collected between two marks. Only with WITNESS_BENCH_ALLOC_DIR set
 * (and the probe loaded through NODE_OPTIONS): an unprobed Node process dies of SIGUSR2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from './clients.js';

/** One mark as the probe wrote it: totals since the process loaded the probe. */
export interface AllocMark {
  allocatedBytes: number;
  gcs: Record<string, number>;
  gcPauseMs: number;
  /** The young generation's size at the mark (KB). */
  newSpaceKB?: number;
}

export const allocDir = process.env.WITNESS_BENCH_ALLOC_DIR || null;

function lines(pid: number): AllocMark[] {
  const file = join(allocDir!, `alloc-${pid}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AllocMark);
}

/** Marks every process (null without a probe dir): each one's totals at this point, once it has written them (2 s at most). */
export async function allocMark(pids: ReadonlyArray<number | undefined>): Promise<Map<number, AllocMark> | null> {
  if (!allocDir) return null;
  const live = pids.filter((p): p is number => p !== undefined);
  const before = new Map(live.map((p) => [p, lines(p).length]));
  for (const p of live) process.kill(p, 'SIGUSR2');
  const out = new Map<number, AllocMark>();
  for (let waited = 0; waited < 2000 && out.size < live.length; waited += 10) {
    await sleep(10);
    for (const p of live) {
      const l = lines(p);
      if (l.length > before.get(p)!) out.set(p, l[l.length - 1]!);
    }
  }
  return out;
}

/** What a process allocated and collected between two marks, per event. */
export function allocBetween(a: AllocMark | undefined, b: AllocMark | undefined, events: number) {
  if (!a || !b) return null;
  const gcs = (type: string) => (b.gcs[type] ?? 0) - (a.gcs[type] ?? 0);
  return {
    bytesPerEvent: Math.round((b.allocatedBytes - a.allocatedBytes) / events),
    scavengesPer1000Events: round((gcs('Scavenge') * 1000) / events, 2),
    markCompactsPer1000Events: round((gcs('MarkSweepCompact') * 1000) / events, 2),
    gcPauseMsPer1000Events: round(((b.gcPauseMs - a.gcPauseMs) * 1000) / events, 2),
    // The young generation at the start and the end: scavenges per event are bytes per event over this.
    newSpaceKB: [a.newSpaceKB ?? null, b.newSpaceKB ?? null],
  };
}
