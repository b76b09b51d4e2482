/**
 * The UI's only way to the engine: the typed control API client derived from the shared
 * contract, same origin, authenticated by the HttpOnly session cookie the sign-in link set.
 */
import { createControlClient, DOWNLOADS, EventSchemas, type ApprovalView, type ControlEvent, type Status } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';

export const api = createControlClient({ url: window.location.origin });
export type { ApprovalView, ControlEvent, Interaction, Status };
export { DOWNLOADS };

/** Live events with automatic reconnect; EventSource resends Last-Event-ID, so nothing is lost. */
export function subscribe(onEvent: (e: ControlEvent) => void, onState: (connected: boolean) => void): () => void {
  // since=0: on first load, replay the engine's recent events (so nothing that happened while
  // the page was loading is missed); reconnects resume from Last-Event-ID automatically.
  const es = new EventSource(`${api.eventsUrl()}?since=0`);
  // Every event type the contract declares (one list, so the UI never misses a new one).
  const types = Object.keys(EventSchemas);
  const handler = (m: MessageEvent<string>) => onEvent(JSON.parse(m.data) as ControlEvent);
  for (const t of types) es.addEventListener(t, handler as EventListener);
  es.onopen = () => onState(true);
  es.onerror = () => onState(false);
  return () => es.close();
}
