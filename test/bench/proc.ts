/**
 * A proxy's process as Linux shows and schedules it (/proc; null or a no-op elsewhere): its CPU
 * time and main-thread wake-ups, and its scheduling priority, which the paired paced section
 * raises in every other round (WITNESS_BENCH_PROXY_PRIORITY) to see whether a hop that the OS
 * wakes first keeps its per-event tail under 1 ms on a busy host. Never touches this process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Fields after the command's closing parenthesis of /proc/<pid>[/task/<tid>]/stat (field 3 first). */
function statFields(path: string): string[] | null {
  try {
    const stat = readFileSync(path, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, all threads) a process has used, in ms, from /proc (Linux); null
 * elsewhere. Unlike wall time it hardly moves with the machine's load, so the proxies' CPU
 * per burst is a steadier comparison on a busy machine than their throughput.
 */
export function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const f = statFields(`/proc/${pid}/stat`);
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / 100 : null; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
}

/**
 * How many times a process's main thread has gone to sleep and been woken (voluntary context
 * switches, /proc, Linux; null elsewhere): each wake-up on a busy host is a chance to wait for
 * a core, so wake-ups per event say how exposed a proxy's path is to the host's scheduling,
 * and unlike wall time they do not move with the load.
 */
export function wakeups(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /voluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * A raised scheduling priority: a nice value (−20…−1; setpriority, every thread, as `renice`
 * does per thread on Linux) or a real-time policy (`rr:N` / `fifo:N`, N 1…99, `chrt -a`: every
 * thread runs before any normal one whenever it is runnable).
 */
export type Priority = { kind: 'nice'; nice: number } | { kind: 'rr' | 'fifo'; rt: number };

/** WITNESS_BENCH_PROXY_PRIORITY's value: `-10`, `rr:10`, `fifo:5`; null when unset or empty. */
export function parsePriority(s: string | undefined): Priority | null {
  if (!s) return null;
  const rt = /^(rr|fifo):(\d+)$/.exec(s);
  if (rt) {
    const n = Number(rt[2]);
    if (n < 1 || n > 99) throw new Error(`WITNESS_BENCH_PROXY_PRIORITY=${s}: a real-time priority is 1…99`);
    return { kind: rt[1] as 'rr' | 'fifo', rt: n };
  }
  const n = Number(s);
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error(`WITNESS_BENCH_PROXY_PRIORITY=${s}: give a nice value (-20…19), rr:N or fifo:N`);
  return { kind: 'nice', nice: n };
}

export const priorityLabel = (p: Priority) => (p.kind === 'nice' ? `nice ${p.nice}` : `${p.kind.toUpperCase()} ${p.rt}`);

const tasks = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);

/**
 * Puts every thread of `pid` at `p`, or back at the default (nice 0, SCHED_OTHER) when `p` is
 * null. Threads made later inherit their creator's setting. Throws when the OS refuses (not
 * root, no CAP_SYS_NICE): a run that asked for a priority must not quietly measure without it.
 */
export function applyPriority(pid: number, p: Priority | null): void {
  if (p && p.kind !== 'nice') {
    execFileSync('chrt', ['-a', p.kind === 'rr' ? '-r' : '-f', '-p', String(p.rt), String(pid)], { stdio: 'ignore' });
    return;
  }
  // Back from real time first (a no-op when the threads are normal), then the nice value per thread.
  if (!p) execFileSync('chrt', ['-a', '-o', '-p', '0', String(pid)], { stdio: 'ignore' });
  for (const tid of tasks(pid)) {
    try {
      setPriority(tid, p ? p.nice : 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // a thread that has just ended
    }
  }
}

/** Each thread's nice value and policy (0 normal, 1 FIFO, 2 RR) as /proc shows them: what a run really had. */
export function threadPriorities(pid: number): Array<{ tid: number; nice: number; policy: number; rt: number }> {
  const out = [];
  for (const tid of tasks(pid)) {
    const f = statFields(`/proc/${pid}/task/${tid}/stat`);
    if (f) out.push({ tid, nice: Number(f[16]), policy: Number(f[38]), rt: Number(f[37]) });
  }
  return out;
}

/** Whether every thread of `pid` is at `p` (null: the default). */
export function hasPriority(pid: number, p: Priority | null): boolean {
  return threadPriorities(pid).every((t) =>
    !p ? t.nice === 0 && t.policy === 0 : p.kind === 'nice' ? t.nice === p.nice && t.policy === 0 : t.policy === (p.kind === 'rr' ? 2 : 1) && t.rt === p.rt,
  );
}
