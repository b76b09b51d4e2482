/**
 * One sentence of truth about whether Copilot traffic really flows through Witness, for
 * `witness status`, the Setup view, the window header and the tray: the same words
 * everywhere. Pure (the clock is passed in). Green only when nothing contradicts it: a
 * client rejecting the Witness CA after the last successful request turns it to "warn".
 */
import { failuresSince, type TlsFailure } from '../intercept/index.js';

/** How far back "recently" reaches for rejected connections. */
export const REJECTION_WINDOW_MINUTES = 10;

export interface Health {
  level: 'ok' | 'idle' | 'warn';
  message: string;
}

export interface TlsSummary {
  /** The most recent failures (newest last), with SNI and time. */
  recentFailures: TlsFailure[];
  /** Failures in the window that came after the last successful Copilot request. */
  rejectedSinceLastSuccess: number;
  windowMinutes: number;
}

export function tlsSummary(failures: readonly TlsFailure[], lastSuccess: Date | null, now: Date): TlsSummary {
  return {
    recentFailures: failures.slice(-20),
    rejectedSinceLastSuccess: failuresSince(failures, now, REJECTION_WINDOW_MINUTES * 60_000, lastSuccess).length,
    windowMinutes: REJECTION_WINDOW_MINUTES,
  };
}

export function healthOf(tls: TlsSummary, lastSuccess: Date | null): Health {
  const n = tls.rejectedSinceLastSuccess;
  if (n > 0) {
    const what = n === 1 ? '1 connection from a client that does not trust' : `${n} connections from clients that do not trust`;
    return { level: 'warn', message: `${what} the Witness CA in the last ${tls.windowMinutes} min — run \`witness doctor\`` };
  }
  if (!lastSuccess) return { level: 'idle', message: 'No Copilot traffic seen yet: run `witness setup` and `witness doctor`' };
  return { level: 'ok', message: `Copilot traffic is intercepted (last request ${lastSuccess.toISOString()})` };
}
