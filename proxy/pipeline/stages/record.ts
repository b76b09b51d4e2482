/**
 * Record assembly: when an exchange ends, the masked Interaction is built from the Flow
 * (request view, masked response view, holds' trail, pace) with headers redacted. Built
 * only from masked bodies and masked streams: nothing unmasked is ever kept.
 */
import type { Masker, MaskResult } from '../../masking/index.js';
import { emptyInteraction, type Interaction } from '../../model/index.js';
import { planForHost } from '../../intercept/index.js';
import { classifyEndpoint, clientInfo, MAX_RECORDED_TEXT_CHARS, MAX_SSE_EVENT_CHARS, SseParser } from '../../protocols/index.js';
import type { Flow, Stage, WebSocketSummary } from '../flow.js';
import { redactHeaders } from './headers.js';

export function recordAssembly(opts: { masker: Masker }): Stage {
  return {
    name: 'record',
    end(flow, s) {
      const p = flow;
      const a = p.response.view;
      const holder = p.response.holder;
      const bt = p.response.bufferedTransform;
      if (bt?.notInspected) p.notInspected.push(`response: ${bt.notInspected}`);
      if (s.notInspected) p.notInspected.push(`response: ${s.notInspected}`);
      const unparsed = a?.summary.unparsedEvents ?? 0;
      if (unparsed) p.notInspected.push(`response: ${unparsed} SSE event${unparsed === 1 ? '' : 's'} larger than ${MAX_SSE_EVENT_CHARS} characters passed unparsed`);
      const cut = a?.summary.truncatedChars ?? 0;
      const truncated = cut ? [`response: ${cut} characters beyond the first ${MAX_RECORDED_TEXT_CHARS} of the answer (or of a tool call's arguments) not kept`] : [];
      const responseMaskings = new Map<string, number>(a?.maskings ?? p.response.maskings);
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
      const trail = holder?.trail ?? [];
      flow.record = {
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
        response: a ? a.summary.text : (p.response.buffered ?? ''),
        toolCalls: a?.summary.toolCalls.map((c) => ({ ...c })) ?? [],
        finishReason: clientFinishReason(flow) ?? a?.summary.finishReason ?? null,
        usage: a?.summary.usage ?? null,
        maskings,
        notInspected: p.notInspected,
        ...(truncated.length ? { truncated } : {}),
        decision: holdDecision(flow) ?? (p.blocked ? 'blocked' : maskings.length > 0 ? 'masked' : 'allowed'),
        ruleIds: [...new Set([...p.ruleIds, ...trail.flatMap((c) => (c.verdict === 'allowed' ? [] : c.ruleIds))])],
        approvals: trail
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
            approverIdentity: c.approval?.approverIdentity ?? null,
            reason: c.approval?.reason ?? null,
            review: c.approval?.review ?? null,
          })),
        status,
        httpStatus: s.status,
        errors: [...(a?.summary.errors ?? []), ...(s.error ? [s.error] : [])],
        timings: { start: s.timings.start, firstByte: s.timings.firstByte, firstToken: a?.firstTokenAt ?? null, end: s.timings.end },
        headers: { request: redactHeaders(s.request.headers, opts.masker), response: p.response.headers ? redactHeaders(p.response.headers, opts.masker) : [] },
        ...restoredForEditor(flow),
        ...(flow.who ? { identity: flow.who } : {}),
        ...(p.response.pace.length ? { pace: p.response.pace.map(([t, x, y]) => [Math.max(0, Math.round(t - s.timings.start)), x, y] as [number, number, number]) } : {}),
      };
    },
  };
}

function restoredForEditor(flow: Flow): Pick<Interaction, 'restoredForEditor'> {
  const stream = flow.response.stream?.client.restoredForEditor;
  const buffered = flow.response.restoredForEditor;
  const restored = (stream?.restored ?? 0) + buffered.restored;
  const collisions = (stream?.collisions ?? 0) + buffered.collisions;
  return restored || collisions ? { restoredForEditor: { restored, collisions } } : {};
}

function holdDecision(flow: Flow): Interaction['decision'] | null {
  const trail = flow.response.holder?.trail ?? [];
  // The client left while a call was held: nothing ran and nobody refused it.
  if (trail.some((c) => c.verdict === 'cancelled')) return 'cancelled';
  if (trail.some((c) => c.verdict === 'timed-out')) return 'timed-out';
  if (trail.some((c) => c.verdict === 'denied')) return 'denied';
  if (trail.some((c) => c.verdict === 'approved')) return 'approved';
  return null;
}

/**
 * When held calls were denied or timed out, the client got the family's rewrite, not the
 * upstream's tail: the finish reason it saw is the rewrite's (e.g. `stop`, not `tool_calls`).
 */
function clientFinishReason(flow: Flow): string | null {
  const tail = flow.response.holder?.rewritten;
  if (tail == null) return null;
  const seen = flow.family.adapter(flow.kind, { masker: null });
  const parser = new SseParser();
  for (const ev of [...parser.push(Buffer.from(tail)), ...parser.end()]) seen.step(ev);
  seen.end();
  return seen.summary.finishReason;
}

/** What a passed-through WebSocket's record says about its frames. */
export const WEBSOCKET_NOT_INSPECTED = 'websocket passthrough: frames not inspected';

/** The record of a WebSocket let through unaudited: what is known of it, and that its frames were not inspected. */
export function webSocketRecord(s: WebSocketSummary, target: MaskResult, masker: Masker): Interaction {
  const req = s.request;
  const tally = new Map<string, number>();
  for (const f of target.findings) tally.set(f.type, (tally.get(f.type) ?? 0) + 1);
  const failed = s.outcome === 'upstream-error' || (s.status ?? 0) >= 500;
  return {
    ...emptyInteraction({ id: req.id, time: new Date(req.startedAt).toISOString(), endpoint: classifyEndpoint(req.method, req.host, req.path), method: req.method, host: req.host, path: target.text, plan: planForHost(req.host), client: clientInfo(req.headers) }, s.timings.start),
    maskings: [...tally].map(([type, count]) => ({ type, where: 'request' as const, count })),
    notInspected: [WEBSOCKET_NOT_INSPECTED],
    status: s.outcome === 'client-abort' ? 'client-abort' : failed ? 'upstream-error' : 'ok',
    httpStatus: s.status,
    errors: s.error ? [s.error] : [],
    timings: { start: s.timings.start, firstByte: s.timings.end, firstToken: null, end: s.timings.end },
    headers: { request: redactHeaders(req.headers, masker), response: s.responseHeaders ? redactHeaders(s.responseHeaders, masker) : [] },
  };
}
