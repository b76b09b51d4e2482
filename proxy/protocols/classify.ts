/** Which Copilot endpoint a request is for, from method, host and path. */
import type { EndpointKind } from './types.js';

export function classifyEndpoint(method: string, host: string, path: string): EndpointKind {
  const p = path.split('?')[0]!.toLowerCase();
  const h = host.toLowerCase();
  if (/\/v1\/engines\/[^/]+\/completions$/.test(p)) return 'completion';
  if (p.endsWith('/chat/completions')) return h.startsWith('proxy.') || h === 'copilot-proxy.githubusercontent.com' ? 'next-edit' : 'chat';
  if (p.endsWith('/responses')) return 'responses';
  if (p.endsWith('/v1/messages') || p === '/messages') return 'messages';
  if (/\/copilot_internal\/v2\/(?:nl)?token$/.test(p)) return 'token';
  if (/^\/models(?:\/|$)/.test(p)) return 'models';
  if (h.startsWith('telemetry.') || h === 'copilot-telemetry.githubusercontent.com' || p.includes('/telemetry')) return 'telemetry';
  void method;
  return 'other';
}

export function engineModel(path: string): string | null {
  return /\/v1\/engines\/([^/]+)\/completions/.exec(path)?.[1] ?? null;
}
