/**
 * The UI's only way to the engine: the typed control API client derived from the shared
 * contract. In a browser: same origin, authenticated by the HttpOnly session cookie the
 * sign-in link set. In the desktop window: the engine's URL and bearer token from the
 * preload bridge, asked afresh after a reconnect (the shell may have restarted the engine).
 */
import { ControlApiError, createControlClient, DOWNLOADS, EventSchemas, Methods, type ApprovalView, type ControlEvent, type IdentityLogin, type IdentityStatus, type PolicyState, type Status } from '../../proxy/control/index.js';
import type { AuditRecord, Interaction, Preview, RecordIdentity, Review, SearchHit } from '../../proxy/model/index.js';
import { desktop } from './desktop.js';

export const api = desktop ? desktopClient(desktop) : createControlClient({ url: window.location.origin });

function desktopClient(bridge: NonNullable<typeof desktop>) {
  return createControlClient({ endpoint: () => bridge.control() });
}
export type { ApprovalView, AuditRecord, ControlEvent, IdentityLogin, IdentityStatus, PolicyState, Interaction, Preview, RecordIdentity, Review, SearchHit, Status };
export { extractOperation } from '../../proxy/model/index.js';
export { ControlApiError, DOWNLOADS, Methods };

/**
 * The link to the engine: `up` (events flowing), `down` (the engine is not answering: it
 * stopped or restarts; reconnecting), or `signed-out` (it answers but no longer knows this
 * tab's session, e.g. it restarted: a new sign-in link is needed).
 */
export type Link = 'up' | 'down' | 'signed-out';

/** Live events with automatic reconnect; EventSource resends Last-Event-ID, so nothing is lost. */
export function subscribe(onEvent: (e: ControlEvent) => void, onState: (link: Link) => void): () => void {
  if (desktop) {
    // EventSource cannot send the token in a header; the fetch-based stream can.
    const stream = api.events({ since: 0, onEvent, onState: (up) => onState(up ? 'up' : 'down') });
    return () => stream.close();
  }
  let es: EventSource | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let lastSeq = 0;
  const types = Object.keys(EventSchemas);
  const handler = (m: MessageEvent<string>) => {
    const e = JSON.parse(m.data) as ControlEvent;
    lastSeq = e.seq;
    onEvent(e);
  };
  const open = (since: number) => {
    // since=0: on first load, replay the engine's recent events (so nothing that happened
    // while the page was loading is missed); reconnects resume from Last-Event-ID.
    es = new EventSource(`${api.eventsUrl()}?since=${since}`);
    for (const t of types) es.addEventListener(t, handler as EventListener);
    es.onopen = () => onState('up');
    es.onerror = () => {
      onState('down');
      // EventSource retries by itself while the engine is unreachable; an HTTP error (401
      // after a restart forgot the session) closes it for good: find out which, then retry.
      if (es?.readyState !== EventSource.CLOSED || closed) return;
      void api.status().then(
        () => reopen(),
        (e: unknown) => {
          if (e instanceof ControlApiError && e.status === 401) onState('signed-out');
          reopen();
        },
      );
    };
  };
  const reopen = () => {
    if (closed) return;
    retry = setTimeout(() => {
      es?.close();
      open(lastSeq);
    }, 2000);
  };
  open(0);
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    es?.close();
  };
}
