/**
 * One intercepted HTTP exchange as the engine sees it, and the hooks later stages plug
 * into (masking, protocol adapters, approval holds, audit). Types only.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';

export interface ExchangeRequest {
  id: string;
  method: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  headers: OutgoingHttpHeaders;
  clientAddress: string | undefined;
  httpVersion: string;
  /** Epoch milliseconds when the request line arrived. */
  startedAt: number;
}

export interface ExchangeResponseHead {
  status: number;
  headers: IncomingHttpHeaders;
}

export interface ExchangeTimings {
  /** All in epoch milliseconds (fractional). */
  start: number;
  /** Upstream response headers received. */
  headers: number | null;
  /** First body byte from upstream. */
  firstByte: number | null;
  end: number | null;
}

export type ExchangeOutcome = 'ok' | 'client-abort' | 'upstream-error' | 'refused';

export interface ExchangeSummary {
  request: ExchangeRequest;
  status: number | null;
  timings: ExchangeTimings;
  bytesFromUpstream: number;
  bytesToClient: number;
  outcome: ExchangeOutcome;
  /** Why the body was not passed through the transform (e.g. an unknown encoding). */
  notInspected: string | null;
  error: string | null;
}

/**
 * A WebSocket upgrade to an intercepted host that was passed through
 * (`intercept.websockets: "passthrough"`): its frames are not inspected, so this is all
 * Witness knows about it. Reported once the upstream has answered the upgrade (or failed).
 */
export interface WebSocketSummary {
  request: ExchangeRequest;
  /** The upstream's answer: 101 when the WebSocket was opened; null when it never answered. */
  status: number | null;
  responseHeaders: IncomingHttpHeaders | null;
  outcome: 'opened' | 'upstream-refused' | 'upstream-error' | 'client-abort';
  error: string | null;
  /** Epoch ms: upgrade request, upstream answer (null if none). */
  timings: { start: number; end: number | null };
}

export type RequestAction =
  | { kind: 'forward'; body?: Buffer; headers?: OutgoingHttpHeaders }
  | { kind: 'respond'; status: number; headers: OutgoingHttpHeaders; body: Buffer };

export interface InterceptHooks {
  /**
   * Sees the whole request body (null when it exceeded the inspection limit and streams
   * through) before anything is sent upstream: forward it (possibly rewritten) or answer
   * the client directly.
   */
  inspectRequest?(req: ExchangeRequest, body: Buffer | null): Promise<RequestAction> | RequestAction;
  /**
   * Called once the upstream response head is known. Return a Transform to receive the
   * decoded body (content-encoding removed) and produce what the client gets, or null to
   * pass the body through byte for byte.
   */
  responseTransform?(req: ExchangeRequest, head: ExchangeResponseHead): Transform | null;
  /**
   * The upstream stalled after the response began: the bytes that end it cleanly in the
   * client's protocol (its error event and terminator) and what they say, for the record;
   * null when the response has no such form (a JSON body: the response is cut).
   */
  streamFailure?(req: ExchangeRequest, failure: { code: string; message: string }): { raw: string; says: string } | null;
  onExchangeStart?(req: ExchangeRequest): void;
  onExchangeEnd?(summary: ExchangeSummary): void;
  /** A WebSocket upgrade to an intercepted host was passed through unaudited. */
  onWebSocketPassthrough?(summary: WebSocketSummary): void;
}
