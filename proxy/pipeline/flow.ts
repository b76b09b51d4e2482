/**
 * One Copilot exchange as it travels the data path: what each stage reads and writes.
 * Types only. Created by the pipeline when a request arrives, dropped once its record is
 * handed on; never holds an unmasked body or an unmasked response text.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';
import type { HoldingSseTransform } from '../approvals/index.js';
import type { ExchangeRequest, ExchangeResponseHead, ExchangeSummary, RequestAction, WebSocketSummary } from '../intercept/index.js';
import type { Interaction, RecordIdentity } from '../model/index.js';
import type { BufferedBodyTransform, EndpointKind, ProtocolFamily, RequestView, SemanticEvent, StreamAdapter } from '../protocols/index.js';

export type { ExchangeRequest, ExchangeResponseHead, ExchangeSummary, RequestAction, WebSocketSummary };

/** Who made the exchange (signed out said explicitly): set by the identity stage, first in the list; null only before it runs. */
export type Who = RecordIdentity;

export interface FlowRequest {
  /** Secret types found in the body (masked copies only ever leave). */
  findings: string[];
  /** Why the body could not be inspected (too large, unknown encoding, binary), or null. */
  uninspectable: string | null;
  /** The body and headers to forward instead of the original (masked), or null to forward as sent. */
  forward: { body: Buffer; headers: OutgoingHttpHeaders } | null;
}

export interface FlowResponse {
  headers: IncomingHttpHeaders | null;
  /** The adapters of an event stream: what the client reads, and the masked view when that is a second adapter. */
  stream: { client: StreamAdapter; record: StreamAdapter | null } | null;
  /** The masked view of a streamed response (text, tool calls, usage, maskings). */
  view: StreamAdapter | null;
  /** A whole (buffered) body as the record keeps it: masked, bounded. */
  buffered: string | null;
  /** Masked-secret counts of a buffered body (a stream's are its view's). */
  maskings: Map<string, number>;
  bufferedTransform: BufferedBodyTransform | null;
  /** What the proxy puts in the response path (set by the masking stage, replaced by the hold). */
  transform: Transform | null;
  /**
   * Builds the response path's transform when no stage has set `transform` by the end of the
   * head hooks (the masking stage's event-stream transform, which the hold replaces on families
   * that judge tool calls): built only if used, since the head's handling delays the first event.
   */
  makeTransform: (() => Transform) | null;
  holder: HoldingSseTransform | null;
  /** Placeholders restored for the editor in a buffered body (a stream's are its client adapter's). */
  restoredForEditor: { restored: number; collisions: number };
  /** Replay track: [epoch ms, answer chars, tool-input chars] (live stage). */
  pace: Array<[number, number, number]>;
}

export interface Flow {
  readonly req: ExchangeRequest;
  readonly kind: EndpointKind;
  readonly family: ProtocolFamily;
  /** The request target as recorded and published: masked (the upstream gets it as sent). */
  readonly path: string;
  view: RequestView;
  /** Request-side masked-secret counts by type (target and body). */
  maskings: Map<string, number>;
  notInspected: string[];
  /** Answered by Witness (a refusal); nothing went upstream. */
  blocked: boolean;
  ruleIds: string[];
  request: FlowRequest;
  response: FlowResponse;
  who: Who | null;
  /** The Interaction, once the record stage has assembled it. */
  record: Interaction | null;
}

/** A refusal: the pipeline answers in the client's protocol and runs no later request step. */
export interface Refuse {
  refuse: string;
}

/**
 * A stage of the data path. Every hook is optional; the pipeline calls each stage's hook
 * in list order. Stages talk only through the Flow.
 */
export interface Stage {
  readonly name: string;
  /** The whole request body (null: larger than the inspection limit), before anything leaves. */
  request?(flow: Flow, body: Buffer | null): Refuse | void;
  /** The upstream response head is known: a stage may set or replace `flow.response.transform`. */
  responseHead?(flow: Flow, head: ExchangeResponseHead, tap: (e: SemanticEvent) => void): void;
  /** Each piece of the masked response's meaning (text, tool-call pieces, finish, usage, errors). */
  responseEvent?(flow: Flow, e: SemanticEvent): void;
  /** The exchange ended (completed, aborted or failed). */
  end?(flow: Flow, s: ExchangeSummary): void;
  /**
   * The sealed record of an exchange (or of a connection let through unaudited): the audit
   * sink, then sync. A returned promise holds the later stages' `recorded` until it resolves
   * (the record is durable); if it rejects, they never see the record (the stage reports why).
   */
  recorded?(record: Interaction): void | Promise<void>;
}
