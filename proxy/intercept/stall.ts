/**
 * Upstream stall timers for one forwarded exchange. Never touches the client side: the
 * caller decides what the client sees (a 504 before the head, a cut response after it).
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
 * request was sent, or a body that stops (issue 20). One timer each, refreshed on progress
 * (never re-created per chunk); firing destroys the upstream request or response with an
 * error the caller turns into a 504 or a cut response.
 */
export class StallTimers {
  private head: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly req: ClientRequest,
    private readonly responseTimeoutMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  awaitHead() {
    if (this.head || this.idle || this.req.destroyed) return;
    this.head = setTimeout(() => this.req.destroy(stallError(`no response within ${this.responseTimeoutMs} ms`)), this.responseTimeoutMs);
  }

  awaitBody(res: IncomingMessage) {
    if (this.head) clearTimeout(this.head);
    this.head = null;
    this.idle = setTimeout(() => res.destroy(stallError(`the response stalled: nothing for ${this.idleTimeoutMs} ms`)), this.idleTimeoutMs);
  }

  progress() {
    this.idle?.refresh();
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
