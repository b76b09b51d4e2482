/**
 * One endpoint family of Copilot traffic, everything Witness knows about its protocol in
 * one object: which requests are its own, how to read one, the streaming adapter for its
 * responses (which also announces where each tool call starts, per output event), the
 * refusal in its own shape and, for families whose tool calls policy judges, how a held
 * tail is rewritten without the denied calls. Types only.
 */
import type { AdapterContext, StreamAdapter } from '../adapters/index.js';
import type { RequestView } from '../request.js';
import type { SseEvent } from '../sse.js';
import type { EndpointKind } from '../types.js';

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RefusalOptions {
  /** Whether the client asked for a stream. */
  stream: boolean;
  model?: string | null;
}

export interface ProtocolFamily {
  readonly name: string;
  /** The endpoint kinds this family answers for (the first is its main one). */
  readonly kinds: readonly EndpointKind[];
  /** The kind of a request that is this family's, or null (lower-cased path without query, lower-cased host). */
  classify(host: string, path: string): EndpointKind | null;
  /** What the (already masked) request body says; `body` is null when it is not JSON. */
  readRequest(path: string, body: unknown): RequestView;
  /** The streaming adapter for this family's event streams. */
  adapter(kind: EndpointKind, ctx: AdapterContext): StreamAdapter;
  /** A readable refusal in the client's own protocol. */
  refusal(kind: EndpointKind, message: string, opts: RefusalOptions): Refusal;
  /**
   * Present when the family's streams carry tool calls that policy judges (and may hold):
   * the held tail without the denied calls, an assistant message saying why, and the end
   * the protocol expects.
   */
  rewriteDenied?(held: SseEvent[], denied: ReadonlySet<number>, message: string): string;
  /**
   * Present when the family's event streams have an error event: the SSE that ends a
   * stream already under way with a clean error (the upstream stalled mid-stream), so the
   * client sees a properly terminated failure in its own protocol instead of a cut
   * connection. `seen` is the client's adapter (what the stream said so far).
   */
  streamError?(kind: EndpointKind, failure: StreamFailure, seen: StreamAdapter): StreamErrorTail;
}

/** Why Witness ends a stream early: a stable code and a one-line message of its own (no upstream text). */
export interface StreamFailure {
  code: string;
  message: string;
}

export interface StreamErrorTail {
  /** Whole SSE events, the last one ending the stream as the protocol expects. */
  raw: string;
  /** What the client was sent, in words for the record (e.g. "a response.failed event"). */
  says: string;
}

export const sseRefusal = (events: Array<[string | null, unknown]>, done = false): Refusal => ({
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  body: Buffer.from(events.map(([ev, d]) => (ev ? `event: ${ev}\n` : '') + `data: ${JSON.stringify(d)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '')),
});

export const jsonRefusal = (status: number, body: unknown): Refusal => ({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });

/** An event's JSON, or null. */
export function eventJson(ev: SseEvent): any {
  try {
    return ev.data === null ? null : JSON.parse(ev.data);
  } catch {
    return null;
  }
}
