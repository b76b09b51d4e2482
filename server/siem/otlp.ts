/**
 * A stored record as OpenTelemetry log records (OTLP/HTTP, JSON encoding, serialized by the
 * official @opentelemetry/otlp-transformer; no SDK runs), following the GenAI semantic
 * conventions (events): one `gen_ai.client.inference.operation.details` event per Copilot
 * call, with the model, token usage and the conversation as structured messages, and one
 * `gen_ai.execute_tool` log per tool call the model asked for. Witness's own facts (device,
 * seq, hash, decision, identity) ride as `witness.*` attributes.
 *
 * Every text here is what the server stored, and the server only ever receives masked text:
 * nothing in this module can restore a secret (it has no ledger and no key).
 */
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ExportedRecord } from '../../proxy/model/index.js';
import { VERSION } from '../../proxy/version.js';

/** GenAI `gen_ai.provider.name` (and the older `gen_ai.system`) for Copilot: not a well-known value, so our own. */
export const GENAI_PROVIDER = 'github.copilot';
export const INFERENCE_EVENT = 'gen_ai.client.inference.operation.details';
export const TOOL_EVENT = 'gen_ai.execute_tool';
export const OTLP_CONTENT_TYPE = 'application/json';

// The serializer's own input type (the SDK's ReadableLogRecord), taken from it rather than
// from the SDK package, which we neither run nor depend on directly.
type ReadableLogRecord = Parameters<typeof JsonLogsSerializer.serializeRequest>[0][number];
type LogAttributes = ReadableLogRecord['attributes'];
type AnyValue = LogAttributes[string];

const resource = resourceFromAttributes({ 'service.name': 'witness-server', 'service.version': VERSION });
const scope = { name: 'witness', version: VERSION };

// SeverityNumber (OTLP logs data model): INFO 9, WARN 13, ERROR 17.
const severity = (r: ExportedRecord): [number, string] =>
  r.status === 'upstream-error' ? [17, 'ERROR'] : r.decision === 'blocked' || r.decision === 'denied' || r.decision === 'timed-out' ? [13, 'WARN'] : [9, 'INFO'];

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

function operationOf(r: ExportedRecord): string {
  if (r.endpoint === 'completion' || r.endpoint === 'next-edit') return 'text_completion';
  if (r.endpoint === 'chat' || r.endpoint === 'responses' || r.endpoint === 'messages') return 'chat';
  return r.endpoint;
}

/** Drops absent values: OTLP has no null attribute, and an empty one says nothing. */
function attrs(pairs: Record<string, AnyValue | null | undefined>): LogAttributes {
  const out: LogAttributes = {};
  for (const [k, v] of Object.entries(pairs)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** Who and where, on every log of a record. */
function witnessAttrs(r: ExportedRecord): LogAttributes {
  const id = r.identity?.signedIn ? r.identity : null;
  return attrs({
    'witness.record.id': r.id,
    'witness.device': r.device,
    'witness.seq': r.seq,
    'witness.hash': r.hash,
    'witness.prev_hash': r.prevHash,
    'witness.decision': r.decision,
    'witness.status': r.status,
    'witness.endpoint': r.endpoint,
    'witness.rule_ids': r.ruleIds.length ? r.ruleIds : null,
    'witness.maskings': r.maskings.reduce((n, m) => n + m.count, 0),
    'witness.masking_types': r.maskings.length ? [...new Set(r.maskings.map((m) => m.type))] : null,
    'witness.user': r.user,
    'witness.identity.signed_in': r.identity?.signedIn ?? false,
    'witness.identity.issuer': id?.issuer,
    'witness.client.editor': r.client.editor,
    'enduser.id': id?.sub,
    'user.email': id?.email,
    'user.name': id?.name ?? r.user,
    'server.address': r.host,
    'http.response.status_code': r.httpStatus,
  });
}

function inputMessages(r: ExportedRecord): AnyValue {
  const list = r.messages.length ? r.messages : [{ role: 'user', text: r.prompt }];
  return list.map((m) => ({ role: m.role, parts: [{ type: 'text', content: m.text }] }));
}

function outputMessages(r: ExportedRecord): AnyValue {
  const parts: AnyValue[] = [];
  if (r.response) parts.push({ type: 'text', content: r.response });
  for (const c of r.toolCalls) parts.push({ type: 'tool_call', id: c.id, name: c.name, arguments: c.arguments });
  return parts.length ? [{ role: 'assistant', parts, finish_reason: r.finishReason ?? 'unknown' }] : [];
}

/** The log records of one stored record: its inference event, then one per tool call. */
export function toLogRecords(r: ExportedRecord, observedMs: number): ReadableLogRecord[] {
  const [severityNumber, severityText] = severity(r);
  const common = { hrTime: hrTime(r.timings.start), hrTimeObserved: hrTime(observedMs), severityNumber, severityText, resource, instrumentationScope: scope, droppedAttributesCount: 0 };
  const genai = attrs({
    'gen_ai.operation.name': operationOf(r),
    'gen_ai.provider.name': GENAI_PROVIDER,
    'gen_ai.system': GENAI_PROVIDER,
    'gen_ai.request.model': r.model,
    'gen_ai.response.finish_reasons': r.finishReason ? [r.finishReason] : null,
    'gen_ai.usage.input_tokens': r.usage?.promptTokens,
    'gen_ai.usage.output_tokens': r.usage?.completionTokens,
  });
  const logs: ReadableLogRecord[] = [
    {
      ...common,
      eventName: INFERENCE_EVENT,
      body: `${r.endpoint} ${r.model ?? ''} ${r.decision}`.replace(/\s+/g, ' '),
      attributes: { ...genai, 'gen_ai.input.messages': inputMessages(r), 'gen_ai.output.messages': outputMessages(r), ...witnessAttrs(r) },
    },
  ];
  for (const c of r.toolCalls) {
    const approval = r.approvals.find((a) => a.id !== null && a.id === c.id);
    logs.push({
      ...common,
      eventName: TOOL_EVENT,
      body: `tool call ${c.name}`,
      attributes: {
        ...attrs({
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.provider.name': GENAI_PROVIDER,
          'gen_ai.system': GENAI_PROVIDER,
          'gen_ai.request.model': r.model,
          'gen_ai.tool.name': c.name,
          'gen_ai.tool.type': 'function',
          'gen_ai.tool.call.id': c.id,
          'gen_ai.tool.call.arguments': c.arguments,
          'witness.approval.verdict': approval?.verdict,
          'witness.approval.approver': approval?.approver,
        }),
        ...witnessAttrs(r),
      },
    });
  }
  return logs;
}

/** One OTLP/HTTP ExportLogsServiceRequest (JSON) for a batch of records. */
export function otlpBody(records: ExportedRecord[], observedMs: number): Uint8Array {
  const body = JsonLogsSerializer.serializeRequest(records.flatMap((r) => toLogRecords(r, observedMs)));
  if (!body) throw new Error('the OTLP serializer produced nothing');
  return body;
}
