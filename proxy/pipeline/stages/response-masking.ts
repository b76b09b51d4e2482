/**
 * Response masking: puts the family's adapter in an event stream's path (masked for the
 * client under `masking.responses: "mask"`; otherwise the client's bytes pass unchanged
 * and a second, masking adapter builds the record's view), buffers whole JSON/text bodies
 * (masked; the token exchange's token is kept for the client, never in the record), and
 * says so when a body cannot be inspected. The masked view's semantic events go to `tap`.
 */
import { PassThrough } from 'node:stream';
import type { Config } from '../../config/index.js';
import type { Masker } from '../../masking/index.js';
import { BufferedBodyTransform, maskDeep, SseAdapterTransform } from '../../protocols/index.js';
import type { Flow, Stage } from '../flow.js';

const TEXTUAL = /^(?:text\/|application\/(?:json|x-ndjson|.*\+json|x-www-form-urlencoded))/i;

export function responseMasking(opts: { masker: Masker; masking: Config['masking']; maxInspectedBodyBytes: number; now?: () => number }): Stage {
  return {
    name: 'response-masking',
    responseHead(flow, head, tap) {
      const type = String(head.headers['content-type'] ?? '');
      const maskClient = opts.masking.responses === 'mask';
      if (/^text\/event-stream/i.test(type)) {
        const masked = flow.family.adapter(flow.kind, { masker: opts.masker, now: opts.now, onSemantic: tap });
        const client = maskClient ? masked : flow.family.adapter(flow.kind, { masker: null });
        const record = maskClient ? null : masked;
        flow.response.view = masked;
        flow.response.stream = { client, record };
        flow.response.transform = new SseAdapterTransform(client, record);
        return;
      }
      if (TEXTUAL.test(type) || type === '') {
        const t = new BufferedBodyTransform(opts.maxInspectedBodyBytes, (body) => maskBuffered(flow, opts.masker, body, maskClient));
        flow.response.bufferedTransform = t;
        flow.response.transform = t;
        return;
      }
      // Binary content: nothing to inspect, say so (the engine passes it through).
      flow.notInspected.push(`response: content-type ${type || 'unknown'} is not inspected`);
      flow.response.transform = new PassThrough();
    },
  };
}

/** Whole JSON/text responses (/models, token exchange, errors, non-streamed chat). */
function maskBuffered(flow: Flow, masker: Masker, body: Buffer, maskClient: boolean): Buffer {
  const count = (type: string) => flow.response.maskings.set(type, (flow.response.maskings.get(type) ?? 0) + 1);
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const r = masker.mask(text);
    for (const f of r.findings) count(f.type);
    flow.response.buffered = r.text;
    return maskClient && r.findings.length ? Buffer.from(r.text) : body;
  }
  if (flow.kind === 'token') {
    // The client needs its token; the record must never hold it.
    const record = maskDeep(json, masker).value as Record<string, unknown>;
    if (record && typeof record === 'object' && typeof record.token === 'string') record.token = masker.placeholder('copilot-token', String((json as { token: string }).token));
    count('copilot-token');
    flow.response.buffered = JSON.stringify(record);
    return body;
  }
  const r = maskDeep(json, masker);
  for (const f of r.findings) count(f.type);
  flow.response.buffered = JSON.stringify(r.value).slice(0, 64 * 1024);
  return maskClient && r.value !== json ? Buffer.from(JSON.stringify(r.value)) : body;
}
