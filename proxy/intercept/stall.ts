/**
 * Upstream stall timers for one forwarded exchange, and how a body the upstream stopped
 * sending is told from one the client stopped reading. Never touches the client side: the
 * caller decides what the client sees (a 504 before the head, its protocol's error event or
 * a cut response after it).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';

/** Documented defaults (config `upstream.responseTimeoutMs`, `upstream.idleTimeoutMs`). */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

const STALL = Symbol('witness-upstream-stall');

export function isStallError(e: unknown): e is Error {
  return e instanceof Error && (e as { [STALL]?: true })[STALL] === true;
}

/**
 * The two ways an upstream can leave a client waiting for ever: no response head after the
 * request was sent, or a body that stops (issue 20). One timer each; firing destroys the
 * upstream request or response with an error the caller turns into a 504 or a cut response.
 *
 * Progress on the body only notes the time (`progress` runs per upstream chunk: a fast
 * stream brings ~20,000 per 20 MB, and refreshing a timer on each, which re-queues it,
 * showed in the engine's profile). When the idle timer fires it looks at that time: with
 * progress since it was armed it is armed again for what is left of the idle time after
 * the last progress, so a body is still cut exactly `idleTimeoutMs` after its last byte.
 */
export class StallTimers {
  private head: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;
  /** When the body last made progress (`now()`, ms). */
  private lastProgress = 0;

  constructor(
    private readonly req: ClientRequest,
    private readonly responseTimeoutMs: number,
    private readonly idleTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  awaitHead() {
    if (this.head || this.idle || this.req.destroyed) return;
    this.head = setTimeout(() => this.req.destroy(stallError(`no response within ${this.responseTimeoutMs} ms`)), this.responseTimeoutMs);
  }

  awaitBody(res: IncomingMessage) {
    if (this.head) clearTimeout(this.head);
    this.head = null;
    this.lastProgress = this.now();
    const check = () => {
      const left = this.lastProgress + this.idleTimeoutMs - this.now();
      if (left > 0) this.idle = setTimeout(check, left);
      else res.destroy(stallError(`the response stalled: nothing for ${this.idleTimeoutMs} ms`));
    };
    this.idle = setTimeout(check, this.idleTimeoutMs);
  }

  progress() {
    this.lastProgress = this.now();
  }

  clear() {
    if (this.head) clearTimeout(this.head);
    if (this.idle) clearTimeout(this.idle);
    this.head = this.idle = null;
  }
}

function stallError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT', [STALL]: true });
}

/**
 * Errors by which an upstream body ends before its end: the connection reset or closed
 * mid-body (Node's `aborted`/ECONNRESET, a premature close), or a compressed body that stops
 * mid-frame. Anything else (a transform failure) is Witness's own and is not told as the
 * upstream's.
 */
const UPSTREAM_BREAK_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_CHUNK_SIZE', 'Z_BUF_ERROR', 'Z_DATA_ERROR']);

export function isUpstreamBreak(e: unknown): boolean {
  if (!(e instanceof Error) || isStallError(e)) return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && UPSTREAM_BREAK_CODES.has(code);
}

/** What the client's protocol is told when its stream must end early, or null for a failure of Witness's own. */
export function upstreamFailure(e: unknown, host: string): { code: string; message: string } | null {
  if (isStallError(e)) return { code: 'witness_upstream_timeout', message: `Witness gave up waiting for ${host}: ${e.message}` };
  if (e instanceof Error && isUpstreamBreak(e)) return { code: 'witness_upstream_error', message: `the connection to ${host} broke mid-stream: ${breakDetail(e)}` };
  return null;
}

/** A broken upstream, as a record says it: what happened, in words, with Node's code. */
export function breakDetail(e: Error): string {
  const code = (e as { code?: string }).code ?? '';
  const what = code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted' ? 'closed before the body ended' : e.message;
  return code && !what.includes(code) ? `${what} (${code})` : what;
}
