/**
 * Recent TLS handshake failures between clients and the proxy, with the name the client
 * asked for (SNI) and when: what `witness doctor`, `witness status` and the window need to
 * say "this client does not trust the Witness CA" instead of showing green.
 *
 * Pure bookkeeping (the clock is passed in); never holds anything a client sent beyond the
 * SNI host name. A handshake that completed and was then closed without a request is not a
 * failure: pools and preconnects do that, and so does `witness doctor`'s own probe.
 */

/** mockttp's failure causes, plus "closed" (completed handshake, no request, quick close). */
export type TlsFailureCause = 'cert-rejected' | 'no-shared-cipher' | 'reset' | 'handshake-timeout' | 'closed' | 'unknown';

export interface TlsFailure {
  /** ISO time of the failure. */
  time: string;
  /** Server name the client asked for, null when it sent none. */
  sni: string | null;
  cause: Exclude<TlsFailureCause, 'closed'>;
}

const KNOWN: ReadonlySet<string> = new Set(['cert-rejected', 'no-shared-cipher', 'reset', 'handshake-timeout', 'closed']);

/** mockttp reports anything it cannot classify as "unknown"; keep our type closed. */
export function tlsFailureCause(raw: string | undefined): TlsFailureCause {
  return raw && KNOWN.has(raw) ? (raw as TlsFailureCause) : 'unknown';
}

export class TlsFailureLog {
  private readonly items: TlsFailure[] = [];

  constructor(
    private readonly keep = 50,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Returns the failure as recorded, or null when the event was not a failure ("closed"). */
  record(cause: TlsFailureCause, sni: string | null | undefined): TlsFailure | null {
    if (cause === 'closed') return null;
    const f: TlsFailure = { time: this.now().toISOString(), sni: sni || null, cause };
    this.items.push(f);
    if (this.items.length > this.keep) this.items.splice(0, this.items.length - this.keep);
    return f;
  }

  /** Newest last; at most `keep`. */
  recent(): TlsFailure[] {
    return [...this.items];
  }
}

/** Failures within `windowMs` of `now` that happened after `after` (the last successful request), newest last. */
export function failuresSince(failures: readonly TlsFailure[], now: Date, windowMs: number, after: Date | null): TlsFailure[] {
  const from = Math.max(now.getTime() - windowMs, after ? after.getTime() + 1 : -Infinity);
  return failures.filter((f) => Date.parse(f.time) >= from);
}
