/**
 * The endpoint families, in the order a request is matched against them (the last one,
 * `buffered`, takes whatever no other family claims). Adding an endpoint: its family's
 * file, and its line here.
 */
import type { AdapterContext, StreamAdapter } from '../adapters/index.js';
import type { EndpointKind } from '../types.js';
import { buffered } from './buffered.js';
import { chat } from './chat.js';
import { completions } from './completions.js';
import { messages } from './messages.js';
import { responses } from './responses.js';
import type { ProtocolFamily } from './types.js';

export const FAMILIES: readonly ProtocolFamily[] = [completions, chat, responses, messages, buffered];

const byKind = new Map<EndpointKind, ProtocolFamily>(FAMILIES.flatMap((f) => f.kinds.map((k) => [k, f] as const)));

/** Which endpoint a request is for, from its host and path (the query is ignored). */
export function classifyEndpoint(_method: string, host: string, path: string): EndpointKind {
  const p = path.split('?')[0]!.toLowerCase();
  const h = host.toLowerCase();
  for (const f of FAMILIES) {
    const kind = f.classify(h, p);
    if (kind) return kind;
  }
  return 'other';
}

/** The family that owns an endpoint kind. */
export function familyFor(kind: EndpointKind): ProtocolFamily {
  return byKind.get(kind) ?? buffered;
}

/** The streaming adapter for an endpoint's event stream. */
export function adapterFor(kind: EndpointKind, ctx: AdapterContext): StreamAdapter {
  return familyFor(kind).adapter(kind, ctx);
}
