/**
 * The engine supervisor with real child processes (a stand-in engine script): restarts
 * with backoff on crash, says why, reports "engine down" after N failures, stops the whole
 * process tree on quit, and attaches to an engine started from a terminal instead of
 * starting a second one.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointFor } from '../../electron/core/engine-launch.js';
import type { EnginePhase } from '../../electron/core/engine-phase.js';
import { engineProcess } from '../../electron/core/engine-process.js';
import { EngineSupervisor, type SupervisorDeps, type SupervisorOptions } from '../../electron/core/engine-supervisor.js';
import { processTreeOps } from '../../electron/core/process-tree.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/fake-engine.mjs', import.meta.url));

function run(file: string, args: string[]) {
  return new Promise<{ stdout: string; code: number | null }>((resolve) =>
    execFile(file, args, (err, stdout) => resolve({ stdout: String(stdout), code: err ? 1 : 0 })),
  );
}

/** Gone = no such process, or a zombie nobody has reaped yet (it runs no code). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const supervisors: EngineSupervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function setup(modes: string[], opts: SupervisorOptions = {}, extra: Partial<SupervisorDeps> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-supervisor-'));
  const tree = processTreeOps('linux', run, (pid, sig) => process.kill(pid, sig));
  const delays: number[] = [];
  const fired: number[] = [];
  const firedWaiters = new Set<() => void>();
  const stdout: string[] = [];
  let launches = 0;
  const deps: SupervisorDeps = {
    launch: () => {
      const mode = modes[Math.min(launches++, modes.length - 1)]!;
      const p = engineProcess(spawn(process.execPath, [SCRIPT, mode, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] }));
      p.onStdoutLine((l) => stdout.push(l));
      return p;
    },
    readEndpoint: (started) => endpointFor(started, (f) => readFile(f, 'utf8')),
    descendants: tree.descendants,
    forceKill: tree.forceKill,
    schedule: (fn, ms) => {
      delays.push(ms);
      const t = setTimeout(() => {
        fn();
        fired.push(ms);
        firedWaiters.forEach((w) => w());
      }, ms);
      return () => clearTimeout(t);
    },
    now: () => Date.now(),
    ...extra,
  };
  const s = new EngineSupervisor(deps, { backoffMs: [20, 40, 80], startTimeoutMs: 60_000, ...opts });
  supervisors.push(s);
  const phases: EnginePhase[] = [];
  s.onChange((p) => phases.push(p));
  const until = (pred: (p: EnginePhase) => boolean) =>
    new Promise<EnginePhase>((resolve) => {
      if (pred(s.state)) return resolve(s.state);
      const off = s.onChange((p) => pred(p) && (off(), resolve(p)));
    });
  /** Resolves once a timer of `ms` has run. */
  const timerRan = (ms: number) =>
    new Promise<void>((resolve) => {
      const check = () => fired.includes(ms) && (firedWaiters.delete(check), resolve());
      firedWaiters.add(check);
      check();
    });
  return { s, phases, delays, stdout, dataDir, until, timerRan, launches: () => launches };
}

describe('engine supervisor', () => {
  it('runs the engine and hands out the endpoint from its own control.json', async () => {
    const { s, until } = setup(['ok']);
    void s.start();
    const p = await until((p) => p.phase === 'running');
    expect(p).toMatchObject({ phase: 'running', external: false });
    expect(s.engine!.endpoint).toEqual({ url: 'http://127.0.0.1:1', token: `tok-${s.engine!.pid}` });
  });

  it('restarts a crashing engine with growing delays, says why, and reports it down after N failures', async () => {
    const { s, phases, delays, until } = setup(['crash'], { maxFailures: 3, backoffMs: [20, 40, 80, 160] });
    void s.start();
    const down = await until((p) => p.phase === 'down');
    expect(down).toMatchObject({ phase: 'down', failures: 3, reason: 'The audit store is locked by another process [STORE_LOCKED]' });
    expect(phases.map((p) => p.phase)).toEqual(['starting', 'restarting', 'starting', 'restarting', 'starting', 'down']);
    expect(phases[1]).toMatchObject({ phase: 'restarting', failures: 1, reason: 'The audit store is locked by another process [STORE_LOCKED]' });
    // Retry delays, leaving out the start timeouts the supervisor also schedules.
    expect(delays.filter((d) => d < 1000)).toEqual([20, 40, 80]);
    // Down, but still trying (slowly): the next attempt comes.
    await until((p) => p.phase === 'starting' && p.attempt === 4);
  });

  it('recovers when an attempt succeeds, and a run that stays up resets the failure count', async () => {
    const { s, until, timerRan } = setup(['crash', 'crash', 'ok'], { maxFailures: 5, stableAfterMs: 55 });
    void s.start();
    await until((p) => p.phase === 'running');
    // Stable for stableAfterMs: the next crash counts as the first again.
    await timerRan(55);
    const pid = s.engine!.pid;
    process.kill(pid, 'SIGKILL');
    const next = await until((p) => p.phase === 'restarting');
    expect(next).toMatchObject({ failures: 1, reason: 'it exited (signal SIGKILL)' });
  });

  it('counts a start that never says "started" as a failure', async () => {
    const { s, until } = setup(['silent'], { startTimeoutMs: 300 });
    void s.start();
    expect(await until((p) => p.phase === 'restarting')).toMatchObject({ reason: 'it did not start within 0.3 s' });
  });

  it('refuses a control.json that belongs to another process', async () => {
    const { s, until } = setup(['wrong-pid']);
    void s.start();
    expect(await until((p) => p.phase === 'restarting')).toMatchObject({ reason: 'it started but its control.json is missing or names another process' });
  });

  it('stops the whole tree on quit: the engine and the processes it started', async () => {
    const { s, stdout, until } = setup(['ok-with-child']);
    void s.start();
    await until((p) => p.phase === 'running');
    const enginePid = s.engine!.pid;
    const childPid = (JSON.parse(stdout.find((l) => l.includes('"started"'))!) as { child: number }).child;
    expect(gone(childPid)).toBe(false);
    await s.stop();
    expect(s.state.phase).toBe('stopped');
    expect(gone(enginePid)).toBe(true);
    await expect.poll(() => gone(childPid)).toBe(true);
  });

  it('kills an engine that ignores the stop request once the grace period is over', async () => {
    const { s, until } = setup(['ignore-term'], { stopGraceMs: 300 });
    void s.start();
    await until((p) => p.phase === 'running');
    const pid = s.engine!.pid;
    await s.stop();
    expect(gone(pid)).toBe(true);
  });

  it('does not restart after quit, even while a restart was pending', async () => {
    const { s, until, launches } = setup(['crash'], { backoffMs: [200] });
    void s.start();
    await until((p) => p.phase === 'restarting');
    await s.stop();
    const n = launches();
    // Nothing to wait for when nothing must happen: give the cancelled restart (due at
    // 200 ms) twice its time.
    await new Promise<void>((resolve) => setTimeout(resolve, 400));
    expect(launches()).toBe(n);
    expect(s.state.phase).toBe('stopped');
  });

  it('attaches to an engine already running for the data dir and leaves it running on quit', async () => {
    const outside = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    try {
      const { s, launches } = setup(['ok'], {}, {
        findRunning: async () => ({ pid: outside.pid!, dataDir: '/x', endpoint: { url: 'http://127.0.0.1:9', token: 't' }, external: true }),
      });
      await s.start();
      expect(s.state).toEqual({ phase: 'running', pid: outside.pid, external: true });
      expect(launches()).toBe(0);
      await s.stop();
      expect(gone(outside.pid!)).toBe(false);
    } finally {
      outside.kill('SIGKILL');
    }
  });

  it('launches its own engine when the one it attached to goes away', async () => {
    const { s, until } = setup(['ok'], {}, {
      findRunning: async () => ({ pid: 999_999, dataDir: '/x', endpoint: { url: 'http://127.0.0.1:9', token: 't' }, external: true }),
    });
    await s.start();
    s.externalLost();
    expect(await until((p) => p.phase === 'running')).toMatchObject({ external: false });
    expect(existsSync(s.engine!.dataDir)).toBe(true);
  });
});
