/**
 * Finding and ending the processes under the engine, so quitting the app leaves nothing
 * behind. The OS commands are injected; parsing is pure and tested with recorded output.
 */
export type RunCommand = (file: string, args: string[]) => Promise<{ stdout: string; code: number | null }>;

/** `ps -A -o pid=,ppid=` (Linux and macOS): one "pid ppid" pair per line. */
export function parsePsTable(stdout: string): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) parentOf.set(Number(m[1]), Number(m[2]));
  }
  return parentOf;
}

/** Every pid below `root`, children before their own children. */
export function descendantsOf(root: number, parentOf: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    if (pid === ppid) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  const seen = new Set([root]);
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

const WIN_PROCESS_TABLE = 'Get-CimInstance Win32_Process | ForEach-Object { "$($_.ProcessId) $($_.ParentProcessId)" }';

export interface ProcessTreeOps {
  descendants(pid: number): Promise<number[]>;
  forceKill(pids: number[]): void;
}

export function processTreeOps(
  platform: NodeJS.Platform,
  run: RunCommand,
  kill: (pid: number, signal: NodeJS.Signals) => void,
): ProcessTreeOps {
  if (platform === 'win32') {
    return {
      descendants: async (pid) => {
        // Same "pid ppid" lines as ps prints (Win32_Process; wmic is gone from Windows 11).
        const { stdout, code } = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', WIN_PROCESS_TABLE]);
        return code === 0 ? descendantsOf(pid, parsePsTable(stdout.replace(/\r/g, ''))) : [];
      },
      forceKill: (pids) => {
        for (const pid of pids) void run('taskkill.exe', ['/PID', String(pid), '/F']).catch(() => undefined);
      },
    };
  }
  return {
    descendants: async (pid) => {
      const { stdout, code } = await run('ps', ['-A', '-o', 'pid=,ppid=']);
      return code === 0 ? descendantsOf(pid, parsePsTable(stdout)) : [];
    },
    forceKill: (pids) => {
      for (const pid of pids) {
        try {
          kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}
