/**
 * Keeps one engine process running for the shell: launches it, waits for its "started"
 * line, restarts it with exponential backoff when it dies, reports "down" after
 * maxFailures failures in a row (and keeps trying, slowly), and on stop ends it and every
 * process under it. Process creation, the clock and tree killing are injected, so this is
 * tested with real child processes and no Electron. Never parses engine internals: the
 * engine speaks to the shell through its stdout "started" line and control.json only.
 */
import type { ControlEndpoint } from '../../proxy/control/index.js';
import type { EnginePhase } from './engine-phase.js';

/** The slice of a child process the supervisor needs (utilityProcess or child_process). */
export interface EngineProcess {
  readonly pid: number | undefined;
  /** A graceful stop (SIGTERM where there are signals). */
  terminate(): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  onStdoutLine(cb: (line: string) => void): void;
  onStderrLine(cb: (line: string) => void): void;
}

/** What `witness start --json` prints once it listens (the fields the shell reads). */
export interface StartedLine {
  event: 'started';
  pid: number;
  dataDir: string;
}

export interface RunningEngine {
  pid: number;
  dataDir: string;
  endpoint: ControlEndpoint;
  external: boolean;
}

export interface SupervisorDeps {
  launch(): EngineProcess;
  /** control.json for the engine that printed this line; null when it is missing or names another pid. */
  readEndpoint(started: StartedLine): Promise<ControlEndpoint | null>;
  /** An engine already running for the shell's data dir (started from a terminal), if any. */
  findRunning?(): Promise<RunningEngine | null>;
  /** pids below `pid` (children, grandchildren…), for the final sweep. */
  descendants(pid: number): Promise<number[]>;
  forceKill(pids: number[]): void;
  schedule(fn: () => void, ms: number): () => void;
  now(): number;
}

export interface SupervisorOptions {
  /** Failures in a row before the tray says "engine down". */
  maxFailures?: number;
  /** Delay before attempt n+1 after n failures (the last value repeats). */
  backoffMs?: readonly number[];
  /** Running this long resets the failure count. */
  stableAfterMs?: number;
  /** No "started" line after this long counts as a failed start. */
  startTimeoutMs?: number;
  /** How long a stopping engine gets before it and its children are killed. */
  stopGraceMs?: number;
}

export const DEFAULT_BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000] as const;

export class EngineSupervisor {
  private phase: EnginePhase = { phase: 'idle' };
  private proc: EngineProcess | null = null;
  private running: RunningEngine | null = null;
  private failures = 0;
  private attempt = 0;
  private cancelTimer: (() => void) | null = null;
  private cancelStable: (() => void) | null = null;
  private stderrTail: string[] = [];
  private readonly listeners = new Set<(p: EnginePhase, engine: RunningEngine | null) => void>();
  private readonly opts: Required<SupervisorOptions>;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: SupervisorDeps,
    opts: SupervisorOptions = {},
  ) {
    this.opts = {
      maxFailures: opts.maxFailures ?? 5,
      backoffMs: opts.backoffMs ?? DEFAULT_BACKOFF_MS,
      stableAfterMs: opts.stableAfterMs ?? 60_000,
      startTimeoutMs: opts.startTimeoutMs ?? 120_000,
      stopGraceMs: opts.stopGraceMs ?? 10_000,
    };
  }

  get state(): EnginePhase {
    return this.phase;
  }

  get engine(): RunningEngine | null {
    return this.running;
  }

  onChange(cb: (p: EnginePhase, engine: RunningEngine | null) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Attaches to an engine already running for the data dir, or launches one. */
  async start(): Promise<void> {
    if (this.phase.phase !== 'idle' && this.phase.phase !== 'stopped') return;
    const existing = await this.deps.findRunning?.().catch(() => null);
    if (existing) {
      this.running = { ...existing, external: true };
      this.set({ phase: 'running', pid: existing.pid, external: true });
      return;
    }
    this.launch();
  }

  /** "Restart engine now" from the tray: skips the backoff wait. */
  retryNow(): void {
    if (this.phase.phase !== 'restarting' && this.phase.phase !== 'down') return;
    this.cancelTimer?.();
    this.launch();
  }

  /**
   * The engine the shell attached to (one it did not start) went away: launch our own.
   * Ignored for an engine this shell started, whose exit the supervisor sees itself.
   */
  externalLost(): void {
    if (this.phase.phase === 'running' && this.phase.external) {
      this.running = null;
      this.launch();
    }
  }

  /** Ends the engine and everything under it; resolves when they are gone. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.cancelTimer?.();
    this.cancelStable?.();
    this.set({ phase: 'stopping' });
    if (proc?.pid !== undefined) {
      const pid = proc.pid;
      // Children are listed before the engine ends: once it is gone they are re-parented
      // and can no longer be found under its pid.
      const below = await this.deps.descendants(pid).catch(() => []);
      proc.terminate();
      let graceOver = false;
      await Promise.race([
        this.exited,
        new Promise<void>((resolve) => {
          this.cancelTimer = this.deps.schedule(() => {
            graceOver = true;
            resolve();
          }, this.opts.stopGraceMs);
        }),
      ]);
      this.cancelTimer?.();
      this.deps.forceKill(graceOver ? [pid, ...below] : below);
      if (graceOver) await this.exited;
    }
    this.proc = null;
    this.running = null;
    this.set({ phase: 'stopped' });
  }

  private launch() {
    this.cancelTimer = null;
    this.attempt++;
    this.stderrTail = [];
    this.set({ phase: 'starting', attempt: this.attempt });
    let proc: EngineProcess;
    try {
      proc = this.deps.launch();
    } catch (e) {
      this.failed(`could not launch: ${(e as Error).message}`);
      return;
    }
    this.proc = proc;
    let started = false;
    let resolveExit!: () => void;
    this.exited = new Promise((r) => (resolveExit = r));
    const cancelStartTimeout = this.deps.schedule(() => {
      if (started || this.proc !== proc) return;
      this.timedOut = true;
      proc.terminate();
    }, this.opts.startTimeoutMs);

    proc.onStderrLine((line) => {
      if (!line.trim()) return;
      this.stderrTail.push(line.trim());
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    proc.onStdoutLine((line) => {
      if (started || !line.startsWith('{')) return;
      let msg: Partial<StartedLine>;
      try {
        msg = JSON.parse(line) as Partial<StartedLine>;
      } catch {
        return;
      }
      if (msg.event !== 'started' || typeof msg.dataDir !== 'string' || typeof msg.pid !== 'number') return;
      started = true;
      cancelStartTimeout();
      const line0 = msg as StartedLine;
      void this.deps.readEndpoint(line0).then(
        (endpoint) => {
          if (this.proc !== proc || this.phase.phase !== 'starting') return;
          if (!endpoint) {
            this.startFailure = 'it started but its control.json is missing or names another process';
            proc.terminate();
            return;
          }
          this.running = { pid: line0.pid, dataDir: line0.dataDir, endpoint, external: false };
          this.set({ phase: 'running', pid: line0.pid, external: false });
          this.cancelStable = this.deps.schedule(() => {
            this.failures = 0;
            this.attempt = 0;
          }, this.opts.stableAfterMs);
        },
        (e: Error) => {
          this.startFailure = `cannot read its control.json: ${e.message}`;
          proc.terminate();
        },
      );
    });
    proc.onExit((code, signal) => {
      cancelStartTimeout();
      this.cancelStable?.();
      resolveExit();
      if (this.proc !== proc) return;
      this.proc = null;
      this.running = null;
      if (this.phase.phase === 'stopping' || this.phase.phase === 'stopped') return;
      const reason = this.timedOut
        ? `it did not start within ${+(this.opts.startTimeoutMs / 1000).toFixed(1)} s`
        : (this.startFailure ?? this.lastError() ?? `it exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      this.timedOut = false;
      this.startFailure = null;
      this.failed(reason);
    });
  }

  private timedOut = false;
  private startFailure: string | null = null;

  private failed(reason: string) {
    this.failures++;
    const delay = this.opts.backoffMs[Math.min(this.failures - 1, this.opts.backoffMs.length - 1)] ?? 30_000;
    const retryAt = this.deps.now() + delay;
    this.set(this.failures >= this.opts.maxFailures ? { phase: 'down', failures: this.failures, reason, retryAt } : { phase: 'restarting', failures: this.failures, reason, retryAt });
    this.cancelTimer = this.deps.schedule(() => this.launch(), delay);
  }

  /** The engine's own error line ("witness: … [CODE]"), the most useful reason to show. */
  private lastError(): string | null {
    const tail = [...this.stderrTail].reverse();
    const cli = tail.find((l) => l.startsWith('witness:'));
    const logged = tail.map(loggedError).find((m) => m !== null);
    // Structured log lines below error level say nothing about why it stopped.
    const plain = tail.find((l) => !l.startsWith('{'));
    const text = cli ? cli.replace(/^witness:\s*/, '') : (logged ?? plain);
    if (!text) return null;
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  }

  private set(p: EnginePhase) {
    this.phase = p;
    for (const l of this.listeners) l(p, this.running);
  }
}

/** The message of a structured log line at level error, if that is what the line is. */
function loggedError(line: string): string | null {
  if (!line.startsWith('{')) return null;
  try {
    const o = JSON.parse(line) as { level?: unknown; msg?: unknown };
    return o.level === 'error' && typeof o.msg === 'string' ? o.msg : null;
  } catch {
    return null;
  }
}
