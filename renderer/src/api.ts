/**
 * The UI's only way to the engine: the typed control API client derived from the shared
 * contract. In a browser: same origin, authenticated by the HttpOnly session cookie the
 * sign-in link set. In the desktop window: the engine's URL and bearer token from the
 * preload bridge, asked afresh after a reconnect (the shell may have restarted the engine).
 */
import { createControlClient, DOWNLOADS, EventSchemas, type ApprovalView, type ControlEvent, type Status } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { desktop } from './desktop.js';

export const api = desktop ? desktopClient(desktop) : createControlClient({ url: window.location.origin });

function desktopClient(bridge: NonNullable<typeof desktop>) {
  return createControlClient({ endpoint: () => bridge.control() });
}
export type { ApprovalView, ControlEvent, Interaction, Status };
export { DOWNLOADS };

/** Live events with automatic reconnect; EventSource resends Last-Event-ID, so nothing is lost. */
export function subscribe(onEvent: (e: ControlEvent) => void, onState: (connected: boolean) => void): () => void {
  if (desktop) {
    // EventSource cannot send the token in a header; the fetch-based stream can.
    const stream = api.events({ since: 0, onEvent, onState: (up) => onState(up) });
    return () => stream.close();
  }
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
