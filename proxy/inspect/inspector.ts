/**
 * Turns intercepted exchanges into masked Interactions: masks requests before they leave
 * (or refuses them, per policy), puts the right protocol adapter in the response stream,
 * and assembles the record when the exchange ends. Nothing unmasked is ever kept: the
 * record is built only from masked bodies and masked streams.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { PassThrough, type Transform } from 'node:stream';
import type { Config } from '../config/index.js';
import type { EventData } from '../control/index.js';
import type { Interaction } from '../model/index.js';
import type { ExchangeRequest, ExchangeResponseHead, ExchangeSummary, InterceptHooks, RequestAction, WebSocketSummary } from '../intercept/index.js';
import { planForHost } from '../intercept/index.js';
import { maskUrl, type Masker, type MaskResult } from '../masking/index.js';
import {
  adapterFor,
  BufferedBodyTransform,
  classifyEndpoint,
  clientInfo,
  maskDeep,
  readRequest,
  refusal,
  SseAdapterTransform,
  type EndpointKind,
  type RequestView,
  type StreamAdapter,
} from '../protocols/index.js';
import { decodeBody } from '../content-decoding.js';
import { redactHeaders } from './headers.js';
import { HoldingSseTransform, type ApprovalRegistry } from '../approvals/index.js';
import { evaluateToolCall, normalizePath, type CompiledPolicy } from '../policy/index.js';
import type { SemanticEvent } from '../protocols/index.js';

interface Pending {
  req: ExchangeRequest;
  /** The request target as recorded and published: masked (the upstream gets it as sent). */
  path: string;
  kind: EndpointKind;
  view: RequestView;
  maskings: Map<string, number>;
  notInspected: string[];
  blocked: boolean;
  adapter: StreamAdapter | null;
  recordAdapter: StreamAdapter | null;
  bufferedResponse: string | null;
  bufferedTransform: BufferedBodyTransform | null;
  holder: HoldingSseTransform | null;
  ruleIds: string[];
  flushLive?: () => void;
  responseHeaders: ExchangeResponseHead['headers'] | null;
  pace: Array<[number, number, number]>;
}

export interface InspectorOptions {
  masker: Masker;
  masking: Config['masking'];
  maxInspectedBodyBytes: number;
  onInteraction(i: Interaction): void;
  now?: () => number;
  /** Tool-call policy and approvals; without it, tool calls stream through unjudged. */
  holds?: { policy: () => CompiledPolicy; registry: ApprovalRegistry; requester: string; keepAliveMs?: number };
  /**
   * Identity (policy identity.requireSignIn; identity/gate.ts): asked first for every request;
   * a message means refuse it in the client's protocol, nothing sent upstream.
   */
  identityGate?: (req: ExchangeRequest, body: Buffer | null) => string | null;
  /** Live view: the request as forwarded, then masked response pieces as they stream. */
  live?: {
    started(e: Omit<EventData<'interaction.started'>, 'user'>): void;
    delta(e: EventData<'interaction.delta'>): void;
  };
}

const TOOL_STREAMS = new Set<EndpointKind>(['chat', 'next-edit', 'responses', 'messages']);

const TEXTUAL = /^(?:text\/|application\/(?:json|x-ndjson|.*\+json|x-www-form-urlencoded))/i;

export class Inspector {
  private readonly pending = new Map<string, Pending>();
  /** Masked request targets, computed once per exchange (events, live view and record share it). */
  private readonly paths = new WeakMap<ExchangeRequest, MaskResult>();

  constructor(private readonly opts: InspectorOptions) {}

  hooks(): Required<Pick<InterceptHooks, 'inspectRequest' | 'responseTransform' | 'onExchangeEnd'>> {
    return {
      inspectRequest: (req, body) => {
        const action = this.inspectRequest(req, body);
        const p = this.pending.get(req.id);
        if (p && action.kind === 'forward' && this.opts.live) {
          this.opts.live.started({
            id: req.id,
            time: new Date(req.startedAt).toISOString(),
            endpoint: p.kind,
            host: req.host,
            path: p.path,
            model: p.view.model,
            client: clientInfo(req.headers),
            prompt: p.view.prompt,
            decision: p.maskings.size ? 'masked' : 'allowed',
          });
        }
        return action;
      },
      responseTransform: (req, head) => this.responseTransform(req, head),
      onExchangeEnd: (s) => this.finish(s),
    };
  }

  /** The request target with secrets masked (path and query, percent-decoded too): what records and events show. */
  maskedPath(req: ExchangeRequest): MaskResult {
    let r = this.paths.get(req);
    if (!r) {
      r = maskUrl(this.opts.masker, req.path);
      this.paths.set(req, r);
    }
    return r;
  }

  inspectRequest(req: ExchangeRequest, body: Buffer | null): RequestAction {
    const kind = classifyEndpoint(req.method, req.host, req.path);
    const target = this.maskedPath(req);
    const p: Pending = {
      req,
      path: target.text,
      kind,
      view: readRequest(kind, target.text, null),
      maskings: new Map(),
      notInspected: [],
      blocked: false,
      adapter: null,
      recordAdapter: null,
      bufferedResponse: null,
      bufferedTransform: null,
      holder: null,
      ruleIds: [],
      responseHeaders: null,
      pace: [],
    };
    for (const f of target.findings) p.maskings.set(f.type, (p.maskings.get(f.type) ?? 0) + 1);
    this.pending.set(req.id, p);
    const { masking } = this.opts;
    const policy = this.opts.holds?.policy();

    const signIn = this.opts.identityGate?.(req, body);
    if (signIn) {
      p.ruleIds.push('identity:sign-in-required');
      p.view.stream = peekStream(body, req.headers['content-encoding']);
      return this.refuse(p, signIn);
    }

    // Plan routing: e.g. personal Copilot plans refused on company machines.
    if (policy && !policy.policy.plans.allowed.includes(planForHost(req.host))) {
      p.ruleIds.push(`plan:${planForHost(req.host)}`);
      p.view.stream = peekStream(body, req.headers['content-encoding']);
      return this.refuse(p, policy.policy.plans.message);
    }

    const uninspectable = (reason: string): RequestAction => {
      p.notInspected.push(`request: ${reason}`);
      if (masking.uninspectable === 'block') return this.refuse(p, `Witness blocked this request because it could not be inspected (${reason}).`);
      return { kind: 'forward' };
    };

    if (body === null) return uninspectable(`body larger than ${this.opts.maxInspectedBodyBytes} bytes`);
    if (body.length === 0) return { kind: 'forward' };
    const decoded = decodeBody(body, req.headers['content-encoding']);
    if (!decoded.ok) return uninspectable(decoded.reason);

    const type = String(req.headers['content-type'] ?? 'application/json');
    const text = decoded.body.toString('utf8');
    let parsed: unknown;
    let isJson = false;
    try {
      parsed = JSON.parse(text);
      isJson = true;
    } catch {
      if (!TEXTUAL.test(type)) return uninspectable(`content-type ${type} is not inspected`);
    }

    let maskedText = text;
    let findings: Array<{ type: string }> = [];
    let maskedValue: unknown = parsed;
    if (isJson) {
      const r = maskDeep(parsed, this.opts.masker);
      findings = r.findings;
      maskedValue = r.value;
      if (r.value !== parsed) maskedText = JSON.stringify(r.value);
    } else {
      const r = this.opts.masker.mask(text);
      findings = r.findings;
      maskedText = r.text;
    }
    for (const f of findings) p.maskings.set(f.type, (p.maskings.get(f.type) ?? 0) + 1);
    p.view = readRequest(kind, p.path, isJson ? maskedValue : null);
    if (!isJson) p.view.prompt = maskedText;

    // Inline completions inside protected files (the file is named in the prompt header).
    if (policy && kind === 'completion') {
      const hit = p.view.contextFiles.map((f) => policy.protectedPaths.match(normalizePath(f))).find((g) => g !== null);
      const mode = policy.policy.inlineCompletionsInProtectedPaths;
      if (hit && mode !== 'allow') {
        p.ruleIds.push(`inline-completion:${hit}`);
        if (mode === 'deny') return this.refuse(p, 'Witness: no completions in protected files.');
      }
    }
    const blockTypes = policy?.policy.masking.blockTypes ?? [];
    const blocked = findings.filter((f) => blockTypes.includes(f.type)).map((f) => f.type);
    if (blocked.length) {
      p.ruleIds.push(...[...new Set(blocked)].map((t) => `block-secret:${t}`));
      return this.refuse(p, `Witness blocked this request: it contains ${[...new Set(blocked)].join(', ')}, which policy does not allow to leave this machine. Remove it and try again.`);
    }

    if (findings.length === 0) return { kind: 'forward' };
    const types = [...new Set(findings.map((f) => f.type))].join(', ');
    if (masking.requests === 'block') {
      return this.refuse(p, `Witness blocked this request: it contains secrets (${types}). Remove them from the prompt or the attached files and try again.`);
    }
    if (masking.requests === 'allow') return { kind: 'forward' };
    // Re-sent uncompressed with the right length; every other header unchanged.
    const headers: OutgoingHttpHeaders = { ...req.headers };
    delete headers['content-encoding'];
    delete headers['content-length'];
    return { kind: 'forward', body: Buffer.from(maskedText, 'utf8'), headers };
  }

  responseTransform(req: ExchangeRequest, head: ExchangeResponseHead): Transform | null {
    const p = this.pending.get(req.id);
    if (!p) return null;
    p.responseHeaders = head.headers;
    const type = String(head.headers['content-type'] ?? '');
    const maskClient = this.opts.masking.responses === 'mask';
    if (/^text\/event-stream/i.test(type) && this.opts.holds && TOOL_STREAMS.has(p.kind)) return this.holdingTransform(p, maskClient);
    if (/^text\/event-stream/i.test(type)) {
      const masked = adapterFor(p.kind, { masker: this.opts.masker, now: this.opts.now, onSemantic: this.semanticTap(p) });
      if (maskClient) {
        p.adapter = masked;
        return new SseAdapterTransform(masked);
      }
      p.adapter = masked;
      return new SseAdapterTransform(adapterFor(p.kind, { masker: null }), masked);
    }
    if (TEXTUAL.test(type) || type === '') {
      const t = new BufferedBodyTransform(this.opts.maxInspectedBodyBytes, (body) => this.processBuffered(p, body, maskClient));
      p.bufferedTransform = t;
      return t;
    }
    // Binary content: nothing to inspect, say so (the engine passes it through).
    p.notInspected.push(`response: content-type ${type || 'unknown'} is not inspected`);
    return new PassThrough();
  }

  /** Streams whose tool calls are judged by policy (and held for approval). */
  private holdingTransform(p: Pending, maskClient: boolean): Transform {
    const holds = this.opts.holds!;
    const policy = holds.policy();
    let holder: HoldingSseTransform | null = null;
    // Policy always judges the masked view of a call (and approvals never show a secret).
    const live = this.semanticTap(p);
    const record = adapterFor(p.kind, {
      masker: this.opts.masker,
      now: this.opts.now,
      onSemantic: (e: SemanticEvent) => {
        holder?.onSemantic(e);
        live(e);
      },
    });
    const client = maskClient ? record : adapterFor(p.kind, { masker: null });
    holder = new HoldingSseTransform(
      client,
      {
        kind: p.kind,
        evaluate: (tool, args, input) => evaluateToolCall(policy, tool, args, { input }),
        requestApproval: ({ tool, arguments: args, decision }) =>
          holds.registry.request({
            exchangeId: p.req.id,
            host: p.req.host,
            client: clientInfo(p.req.headers).editor,
            requester: holds.requester,
            tool,
            arguments: args,
            operation: decision.operation,
            ruleIds: decision.ruleIds,
            reasons: decision.reasons,
          }),
        cancel: (id, reason) => holds.registry.cancel(id, reason),
        ...(holds.keepAliveMs ? { keepAliveMs: holds.keepAliveMs } : {}),
      },
      maskClient ? null : record,
    );
    p.adapter = record;
    p.holder = holder;
    return holder;
  }

  /**
   * Every masked response piece: tracked for the record's pace (replay), and sent to the live
   * view coalesced per exchange (one event per ~40 ms instead of one per token, so the event
   * ring keeps its history).
   */
  private semanticTap(p: Pending): (e: SemanticEvent) => void {
    const live = this.opts.live;
    const now = this.opts.now ?? Date.now;
    let text = '';
    const tools = new Map<number, { name: string | null; text: string }>();
    let timer: NodeJS.Timeout | null = null;
    let textLen = 0;
    let toolLen = 0;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (!live || (!text && tools.size === 0)) return;
      live.delta({ id: p.req.id, text, tools: [...tools].map(([index, t]) => ({ index, ...t })) });
      text = '';
      tools.clear();
    };
    p.flushLive = flush;
    return (e) => {
      if (e.kind === 'text' && !e.channel.startsWith('rs:') && !e.channel.startsWith('thinking:')) {
        text += e.text;
        textLen += e.text.length;
      } else if (e.kind === 'tool-call-start') tools.set(e.index, { name: e.name, text: tools.get(e.index)?.text ?? '' });
      else if (e.kind === 'tool-call-delta') {
        const t = tools.get(e.index) ?? { name: null, text: '' };
        t.text += e.text;
        toolLen += e.text.length;
        tools.set(e.index, t);
      } else return;
      trackPace(p.pace, now(), textLen, toolLen);
      if (live) timer ??= setTimeout(flush, 40);
    };
  }

  /** Whole JSON/text responses (/models, token exchange, errors, non-streamed chat). */
  private processBuffered(p: Pending, body: Buffer, maskClient: boolean): Buffer {
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const r = this.opts.masker.mask(text);
      for (const f of r.findings) p.maskings.set(f.type, (p.maskings.get(f.type) ?? 0) + 1);
      p.bufferedResponse = r.text;
      return maskClient && r.findings.length ? Buffer.from(r.text) : body;
    }
    if (p.kind === 'token') {
      // The client needs its token; the record must never hold it.
      const record = maskDeep(json, this.opts.masker).value as Record<string, unknown>;
      if (record && typeof record === 'object' && typeof record.token === 'string') record.token = this.opts.masker.placeholder('copilot-token', String((json as { token: string }).token));
      p.maskings.set('copilot-token', (p.maskings.get('copilot-token') ?? 0) + 1);
      p.bufferedResponse = JSON.stringify(record);
      return body;
    }
    const r = maskDeep(json, this.opts.masker);
    for (const f of r.findings) p.maskings.set(f.type, (p.maskings.get(f.type) ?? 0) + 1);
    p.bufferedResponse = JSON.stringify(r.value).slice(0, 64 * 1024);
    return maskClient && r.value !== json ? Buffer.from(JSON.stringify(r.value)) : body;
  }

  private refuse(p: Pending, message: string): RequestAction {
    p.blocked = true;
    const r = refusal(p.kind, message, { stream: p.view.stream || p.kind === 'completion', model: p.view.model });
    return { kind: 'respond', status: r.status, headers: r.headers, body: r.body };
  }

  private finish(s: ExchangeSummary) {
    const p = this.pending.get(s.request.id);
    if (!p) return;
    this.pending.delete(s.request.id);
    p.flushLive?.();
    // The client left: cancel its holds now (the pipeline tears the transform down later).
    if (s.outcome === 'client-abort' && p.holder && !p.holder.destroyed) p.holder.destroy();
    const a = p.adapter;
    const responseMaskings = new Map<string, number>(a?.maskings ?? []);
    if (p.bufferedTransform?.notInspected) p.notInspected.push(`response: ${p.bufferedTransform.notInspected}`);
    if (s.notInspected) p.notInspected.push(`response: ${s.notInspected}`);
    const maskings: Interaction['maskings'] = [
      ...[...p.maskings].map(([type, count]) => ({ type, where: 'request' as const, count })),
      ...[...responseMaskings].map(([type, count]) => ({ type, where: 'response' as const, count })),
    ];
    const status: Interaction['status'] = p.blocked
      ? 'blocked'
      : s.outcome === 'client-abort'
        ? 'client-abort'
        : s.outcome === 'upstream-error' || (s.status ?? 0) >= 500 || (a?.summary.errors.length ?? 0) > 0
          ? 'upstream-error'
          : 'ok';
    const interaction: Interaction = {
      id: s.request.id,
      time: new Date(s.timings.start).toISOString(),
      endpoint: p.kind,
      method: s.request.method,
      host: s.request.host,
      path: p.path,
      plan: planForHost(s.request.host),
      model: a?.summary.model || p.view.model,
      client: clientInfo(s.request.headers),
      prompt: p.view.prompt,
      context: p.view.context,
      messages: p.view.messages,
      contextFiles: p.view.contextFiles,
      toolsOffered: p.view.tools,
      response: a ? a.summary.text : p.bufferedResponse ?? '',
      toolCalls: a?.summary.toolCalls.map((c) => ({ ...c })) ?? [],
      finishReason: a?.summary.finishReason ?? null,
      usage: a?.summary.usage ?? null,
      maskings,
      notInspected: p.notInspected,
      decision: holdDecision(p) ?? (p.blocked ? 'blocked' : maskings.length > 0 ? 'masked' : 'allowed'),
      ruleIds: [...new Set([...p.ruleIds, ...(p.holder?.trail.flatMap((c) => (c.verdict === 'allowed' ? [] : c.ruleIds)) ?? [])])],
      approvals: (p.holder?.trail ?? [])
        .filter((c) => c.verdict !== 'allowed' || c.ruleIds.length > 0)
        .map((c) => ({
          id: c.approval?.id ?? null,
          tool: c.tool,
          argsHash: c.approval?.argsHash ?? null,
          verdict: c.verdict,
          ruleIds: c.ruleIds,
          reasons: c.reasons,
          requestedAt: c.approval?.requestedAt ?? null,
          decidedAt: c.approval?.decidedAt ?? null,
          approver: c.approval?.approver ?? null,
          reason: c.approval?.reason ?? null,
        })),
      status,
      httpStatus: s.status,
      errors: [...(a?.summary.errors ?? []), ...(s.error ? [s.error] : [])],
      timings: { start: s.timings.start, firstByte: s.timings.firstByte, firstToken: a?.firstTokenAt ?? null, end: s.timings.end },
      headers: { request: redactHeaders(s.request.headers, this.opts.masker), response: p.responseHeaders ? redactHeaders(p.responseHeaders, this.opts.masker) : [] },
      ...(p.pace.length ? { pace: p.pace.map(([t, x, y]) => [Math.max(0, Math.round(t - s.timings.start)), x, y] as [number, number, number]) } : {}),
    };
    this.opts.onInteraction(interaction);
  }

  /**
   * A WebSocket let through unaudited (`intercept.websockets: "passthrough"`): recorded like
   * any interaction, saying plainly that its frames were not inspected.
   */
  recordWebSocketPassthrough(s: WebSocketSummary) {
    const req = s.request;
    const target = this.maskedPath(req);
    const maskings = [...tally(target.findings)].map(([type, count]) => ({ type, where: 'request' as const, count }));
    const failed = s.outcome === 'upstream-error' || (s.status ?? 0) >= 500;
    this.opts.onInteraction({
      id: req.id,
      time: new Date(req.startedAt).toISOString(),
      endpoint: classifyEndpoint(req.method, req.host, req.path),
      method: req.method,
      host: req.host,
      path: target.text,
      plan: planForHost(req.host),
      model: null,
      client: clientInfo(req.headers),
      prompt: '',
      context: [],
      messages: [],
      contextFiles: [],
      toolsOffered: [],
      response: '',
      toolCalls: [],
      finishReason: null,
      usage: null,
      maskings,
      notInspected: [WEBSOCKET_NOT_INSPECTED],
      decision: 'allowed',
      ruleIds: [],
      approvals: [],
      status: s.outcome === 'client-abort' ? 'client-abort' : failed ? 'upstream-error' : 'ok',
      httpStatus: s.status,
      errors: s.error ? [s.error] : [],
      timings: { start: s.timings.start, firstByte: s.timings.end, firstToken: null, end: s.timings.end },
      headers: { request: redactHeaders(req.headers, this.opts.masker), response: s.responseHeaders ? redactHeaders(s.responseHeaders, this.opts.masker) : [] },
    });
  }
}

/** What a passed-through WebSocket's record says about its frames. */
export const WEBSOCKET_NOT_INSPECTED = 'websocket passthrough: frames not inspected';

function tally(findings: ReadonlyArray<{ type: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of findings) m.set(f.type, (m.get(f.type) ?? 0) + 1);
  return m;
}

const PACE_STEP_MS = 16;
const PACE_MAX_POINTS = 1000;

/** Adds a point to a pace track: one per ≥16 ms; past 1000 points, every other one is dropped. */
export function trackPace(pace: Array<[number, number, number]>, t: number, textLen: number, toolLen: number) {
  const last = pace[pace.length - 1];
  if (last && t - last[0] < PACE_STEP_MS && pace.length > 1) {
    last[1] = textLen;
    last[2] = toolLen;
    return;
  }
  pace.push([t, textLen, toolLen]);
  if (pace.length > PACE_MAX_POINTS) {
    const kept = pace.filter((_, i) => i % 2 === 0 || i === pace.length - 1);
    pace.splice(0, pace.length, ...kept);
  }
}

function holdDecision(p: Pending): Interaction['decision'] | null {
  const trail = p.holder?.trail ?? [];
  if (trail.some((c) => c.verdict === 'timed-out')) return 'timed-out';
  if (trail.some((c) => c.verdict === 'denied' || c.verdict === 'cancelled')) return 'denied';
  if (trail.some((c) => c.verdict === 'approved')) return 'approved';
  return null;
}

/** Whether the client asked for a stream (Copilot always does; default true). */
function peekStream(body: Buffer | null, encoding: string | string[] | number | undefined): boolean {
  if (!body || body.length === 0) return true;
  const d = decodeBody(body, typeof encoding === 'number' ? undefined : encoding);
  if (!d.ok) return true;
  try {
    return (JSON.parse(d.body.toString('utf8')) as { stream?: unknown }).stream !== false;
  } catch {
    return true;
  }
}
