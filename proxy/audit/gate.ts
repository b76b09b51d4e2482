/**
 * What a Copilot request gets while audit.onStoreFailure is "block" and records cannot be
 * kept: a readable refusal in the client's own protocol, never a network error.
 */
import type { ExchangeRequest, RequestAction } from '../intercept/index.js';
import { classifyEndpoint, familyFor } from '../protocols/index.js';

export const STORE_FAILURE_MESSAGE = 'Witness cannot keep audit records right now (is the disk full?), and policy does not allow Copilot without them. Free disk space; Copilot works again as soon as records can be written.';

export function storeFailureRefusal(req: ExchangeRequest, body: Buffer | null): RequestAction {
  const kind = classifyEndpoint(req.method, req.host, req.path);
  const r = familyFor(kind).refusal(kind, STORE_FAILURE_MESSAGE, { stream: asksForStream(req, body) });
  return { kind: 'respond', status: r.status, headers: r.headers, body: r.body };
}

/** Copilot streams unless the body says `"stream": false` (an encoded body is taken as streaming). */
function asksForStream(req: ExchangeRequest, body: Buffer | null): boolean {
  if (!body || body.length === 0 || req.headers['content-encoding']) return true;
  try {
    return (JSON.parse(body.toString('utf8')) as { stream?: unknown }).stream !== false;
  } catch {
    return true;
  }
}
