/**
 * What the shell knows about its engine process, as the supervisor reports it. Types only:
 * shared by the supervisor, the tray model and the glue.
 */
export type EnginePhase =
  | { phase: 'idle' }
  | { phase: 'starting'; attempt: number }
  | { phase: 'running'; pid: number; external: boolean }
  /** Crashed or failed to start; another attempt is scheduled at retryAt (epoch ms). */
  | { phase: 'restarting'; failures: number; reason: string; retryAt: number }
  /** Failed maxFailures times in a row: still retried (slowly), shown as down. */
  | { phase: 'down'; failures: number; reason: string; retryAt: number | null }
  | { phase: 'stopping' }
  | { phase: 'stopped' };
