/**
 * The UI's only way to the engine: the typed control API client derived from the shared
 * contract, same origin, authenticated by the HttpOnly session cookie the sign-in link set.
 */
import { createControlClient } from '../../proxy/control/client.js';
import type { ApprovalView, ControlEvent, Interaction, Status } from '../../proxy/control/contract.js';

export const api = createControlClient({ url: window.location.origin });
export type { ApprovalView, ControlEvent, Interaction, Status };

/** Live events with automatic reconnect; EventSource resends Last-Event-ID, so nothing is lost. */
export function subscribe(onEvent: (e: ControlEvent) => void, onState: (connected: boolean) => void): () => void {
  const es = new EventSource(api.eventsUrl());
  const types = ['interaction.completed', 'record.stored', 'approval.requested', 'approval.decided', 'exchange.started', 'exchange.completed'];
  const handler = (m: MessageEvent<string>) => onEvent(JSON.parse(m.data) as ControlEvent);
  for (const t of types) es.addEventListener(t, handler as EventListener);
  es.onopen = () => onState(true);
  es.onerror = () => onState(false);
  return () => es.close();
}
