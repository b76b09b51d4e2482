/**
 * Response masking: puts the family's adapter in an event stream's path (masked for the
 * client under `masking.responses: "mask"`; otherwise the client's bytes pass unchanged
 * and a second, masking adapter builds the record's view), buffers whole JSON/text bodies
 * (masked; the token exchange's token is kept for the client, never in the record), and
 * says so when a body cannot be inspected. The masked view's semantic events go to `tap`.
 */
import { PassThrough } from 'node:stream';
import type { Config } from '../../config/index.js';
import { restoreDeep, type Masker, type PlaceholderLedger } from '../../masking/index.js';
import { BufferedBodyTransform, maskDeep, SseAdapterTransform } from '../../protocols/index.js';
import type { Flow, Stage } from '../flow.js';

const TEXTUAL = /^(?:text\/|application\/(?:json|x-ndjson|.*\+json|x-www-form-urlencoded))/i;

export interface ResponseMaskingOptions {
  masker: Masker;
  masking: Config['masking'];
  maxInspectedBodyBytes: number;
  now?: () => number;
  /** The placeholder round trip (see requestMasking): restored in the client's bytes only, never in the view. */
  restore?: { ledger: PlaceholderLedger; enabled: () => boolean };
}

export function responseMasking(opts: ResponseMaskingOptions): Stage {
  return {
    name: 'response-masking',
    responseHead(flow, head, tap) {
      const type = String(head.headers['content-type'] ?? '');
      const maskClient = opts.masking.responses === 'mask';
      // Restoration rides on response masking: the client's adapter already rewrites every
      // text channel and call input, so it writes our placeholders back as their values.
      const restore = maskClient && opts.restore?.enabled() ? opts.restore.ledger : null;
      if (/^text\/event-stream/i.test(type)) {
        const masked = flow.family.adapter(flow.kind, { masker: opts.masker, now: opts.now, onSemantic: tap, restore });
        const client = maskClient ? masked : flow.family.adapter(flow.kind, { masker: null });
        const record = maskClient ? null : masked;
        flow.response.view = masked;
        flow.response.stream = { client, record };
        // Built after the head hooks, unless the hold puts its own transform around `client`.
        flow.response.makeTransform = () => new SseAdapterTransform(client, record);
        return;
      }
      if (TEXTUAL.test(type) || type === '') {
        const t = new BufferedBodyTransform(opts.maxInspectedBodyBytes, (body) => maskBuffered(flow, opts.masker, body, maskClient, restore));
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
function maskBuffered(flow: Flow, masker: Masker, body: Buffer, maskClient: boolean, restore: PlaceholderLedger | null): Buffer {
  const count = (type: string) => flow.response.maskings.set(type, (flow.response.maskings.get(type) ?? 0) + 1);
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const r = masker.mask(text);
    for (const f of r.findings) count(f.type);
    flow.response.buffered = r.text;
    const client = restore ? restoreDeep(r.text, restore, flow.response.restoredForEditor) : r.text;
    return maskClient && client !== text ? Buffer.from(client) : body;
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
  const client = restore ? restoreDeep(r.value, restore, flow.response.restoredForEditor) : r.value;
  return maskClient && client !== json ? Buffer.from(JSON.stringify(client)) : body;
}
