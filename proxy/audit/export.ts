/**
 * Exports of the audit trail, streamed record by record:
 *  - jsonl: one ExportedRecord per line (the README documents the fields);
 *  - har:   HTTP Archive 1.2 for HTTP tools and browser devtools (bodies are the masked
 *           request/response as Witness understood them; credential headers never appear);
 *  - ocsf:  OCSF 1.1 API Activity (class 6003) events for SIEMs (mapping in the README).
 */
import { VERSION } from '../version.js';
import type { AuditRecord, ExportedRecord, ExportFormat } from '../model/index.js';

/** JSONL field order (the README's): records are stored with their keys sorted, exported in this order. */
export const JSONL_FIELDS = [
  'v', 'id', 'seq', 'time', 'device', 'user', 'identity', 'client', 'endpoint', 'method', 'host', 'path', 'plan', 'model', 'prompt', 'context', 'messages',
  'contextFiles', 'toolsOffered', 'response', 'toolCalls', 'finishReason', 'usage', 'maskings', 'notInspected', 'decision', 'ruleIds', 'approvals',
  'status', 'httpStatus', 'errors', 'timings', 'headers', 'pace', 'policyVersion', 'unaudited', 'prevHash', 'hash',
] as const;

/** The record with its fields in JSONL_FIELDS order (any others after them, as they come). */
function inFieldOrder(r: ExportedRecord): Record<string, unknown> {
  const src = r as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of JSONL_FIELDS) if (k in src) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
  return out;
}

export function exportRecords(records: Iterable<ExportedRecord>, format: ExportFormat, write: (chunk: string) => void): number {
  let n = 0;
  if (format === 'jsonl') {
    for (const r of records) {
      write(JSON.stringify(inFieldOrder(r)) + '\n');
      n++;
    }
    return n;
  }
  if (format === 'ocsf') {
    for (const r of records) {
      write(JSON.stringify(toOcsf(r)) + '\n');
      n++;
    }
    return n;
  }
  write(`{"log":{"version":"1.2","creator":{"name":"Witness","version":${JSON.stringify(VERSION)}},"entries":[`);
  for (const r of records) {
    write((n ? ',' : '') + JSON.stringify(toHarEntry(r)));
    n++;
  }
  write(']}}\n');
  return n;
}

const STREAMED = new Set(['completion', 'next-edit', 'chat', 'responses', 'messages']);

/** HAR carries no credential header at all, not even redacted. */
function withoutCredentials(pairs: Array<[string, string]>) {
  return pairs.filter(([, value]) => !value.includes('[REDACTED]')).map(([name, value]) => ({ name, value }));
}

function toHarEntry(r: ExportedRecord) {
  const url = `https://${r.host}${r.path}`;
  const u = new URL(url);
  const requestBody = JSON.stringify({ model: r.model, messages: r.messages.length ? r.messages : [{ role: 'user', text: r.prompt }], tools: r.toolsOffered });
  const responseText = r.toolCalls.length ? JSON.stringify({ text: r.response, toolCalls: r.toolCalls }) : r.response;
  const wait = r.timings.firstByte !== null ? Math.max(0, r.timings.firstByte - r.timings.start) : 0;
  const total = r.timings.end !== null ? Math.max(0, r.timings.end - r.timings.start) : wait;
  const headers = (pairs: Array<[string, string | null]>) => pairs.filter((p): p is [string, string] => p[1] !== null).map(([name, value]) => ({ name, value }));
  return {
    startedDateTime: new Date(r.timings.start).toISOString(),
    time: total,
    request: {
      method: r.method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: r.headers
        ? withoutCredentials(r.headers.request)
        : headers([
            ['Host', r.host],
            ['Editor-Version', r.client.editorVersion],
            ['Editor-Plugin-Version', r.client.plugin],
            ['Copilot-Integration-Id', r.client.integrationId],
            ['OpenAI-Intent', r.client.intent],
            ['X-Initiator', r.client.initiator],
            ['X-Request-Id', r.client.requestId],
            ['User-Agent', r.client.userAgent],
          ]),
      queryString: [...u.searchParams].map(([name, value]) => ({ name, value })),
      postData: { mimeType: 'application/json', text: requestBody },
      headersSize: -1,
      bodySize: Buffer.byteLength(requestBody),
    },
    response: {
      status: r.httpStatus ?? 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: withoutCredentials(r.headers?.response ?? []),
      content: { size: Buffer.byteLength(responseText), mimeType: STREAMED.has(r.endpoint) ? 'text/plain' : 'application/json', text: responseText },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait, receive: Math.max(0, total - wait) },
    comment: `witness seq ${r.seq} ${r.decision} ${r.status}; ${whoOf(r)}; hash ${r.hash}`,
    _witness: { id: r.id, seq: r.seq, user: r.user, identity: r.identity, device: r.device, endpoint: r.endpoint, decision: r.decision, maskings: r.maskings, notInspected: r.notInspected, prevHash: r.prevHash, hash: r.hash },
  };
}

/** Who made the request, for the HAR comment: the verified sign-in, or that nobody was signed in. */
function whoOf(r: ExportedRecord): string {
  const id = r.identity;
  if (!id) return `user ${r.user}`;
  if (!id.signedIn) return `user ${r.user} (not signed in)`;
  return `signed in as ${id.email ?? id.name ?? id.sub} (sub ${id.sub}, issuer ${id.issuer}${id.groups.length ? `, groups ${id.groups.join(', ')}` : ''})`;
}

/** OCSF 1.1.0 API Activity (6003), activity Create (1): one Copilot API call. */
export function toOcsf(r: ExportedRecord | AuditRecord) {
  const failed = r.status !== 'ok';
  return {
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: 6003,
    class_name: 'API Activity',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 600301,
    type_name: 'API Activity: Create',
    time: r.timings.start,
    severity_id: r.decision === 'blocked' ? 3 : r.maskings.length ? 2 : 1,
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    status_detail: r.status,
    message: r.prompt.slice(0, 1000),
    metadata: { version: '1.1.0', uid: r.id, product: { name: 'Witness', vendor_name: 'Witness', version: VERSION }, log_name: 'copilot-audit', sequence: r.seq },
    // The verified sign-in (OCSF User: uid the subject, groups as Group objects); the OS account name otherwise.
    actor: {
      user: r.identity?.signedIn
        ? { name: r.identity.name ?? r.user, uid: r.identity.sub ?? undefined, email_addr: r.identity.email ?? undefined, groups: r.identity.groups.map((name) => ({ name })) }
        : { name: r.user },
      app_name: r.client.editor ?? undefined,
    },
    api: { operation: `${r.method} ${r.path.split('?')[0]}`, service: { name: 'GitHub Copilot' }, request: { uid: r.client.requestId ?? r.id }, response: { code: r.httpStatus ?? undefined, error: r.errors[0] } },
    http_request: { http_method: r.method, url: { hostname: r.host, path: r.path, url_string: `https://${r.host}${r.path}` }, user_agent: r.client.userAgent ?? undefined },
    http_response: r.httpStatus !== null ? { code: r.httpStatus } : undefined,
    src_endpoint: { hostname: r.device },
    dst_endpoint: { hostname: r.host },
    device: { uid: r.device, hostname: r.device },
    duration: r.timings.end !== null ? r.timings.end - r.timings.start : undefined,
    unmapped: {
      witness: {
        endpoint: r.endpoint,
        plan: r.plan,
        model: r.model,
        decision: r.decision,
        maskings: r.maskings,
        not_inspected: r.notInspected,
        tool_calls: r.toolCalls.map((c) => c.name),
        response: r.response.slice(0, 1000),
        hash: r.hash,
        prev_hash: r.prevHash,
        signed_in: r.identity?.signedIn,
        identity_issuer: r.identity?.issuer ?? undefined,
      },
    },
  };
}
