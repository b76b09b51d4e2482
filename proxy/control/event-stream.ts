/**
 * The control API's live event stream read with fetch (browser and Node alike), for callers
 * that authenticate with the bearer token: EventSource cannot send an Authorization header,
 * and the token must never go into a URL. Reconnects on its own, resuming from the last
 * event id; when the engine behind the endpoint changed (a restart: new port or token), it
 * asks the new engine for its recent events instead, since ids restart with each engine.
 * Never validates or interprets event payloads: it only frames them.
 */
import { EVENTS_PATH, type ControlEvent } from './contract.js';

export interface ControlEndpoint {
  url: string;
  token: string;
}

export interface EventStreamHandlers {
  onEvent(e: ControlEvent): void;
  /** true once the stream is open, false each time it drops (it reconnects by itself). */
  onState?(connected: boolean, error?: Error): void;
  /** The engine no longer holds events after the last one seen: resync what you show. */
  onGap?(): void;
  /** Replay the engine's recent events after this seq on the first connection (0: all it holds). */
  since?: number;
}

export interface EventStreamOptions extends EventStreamHandlers {
  endpoint: () => ControlEndpoint | Promise<ControlEndpoint>;
  fetch?: typeof fetch;
  /** First reconnect delay; doubles while reconnects fail, up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface EventStream {
  close(): void;
}

export function streamEvents(opts: EventStreamOptions): EventStream {
  const doFetch = opts.fetch ?? fetch;
  const baseRetry = opts.retryMs ?? 1000;
  const maxRetry = opts.maxRetryMs ?? 15_000;
  let closed = false;
  let abort: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastId: string | null = null;
  let lastEngine: string | null = null;
  let delay = baseRetry;

  const connect = async () => {
    if (closed) return;
    abort = new AbortController();
    let opened = false;
    try {
      const ep = await opts.endpoint();
      const engine = `${ep.url} ${ep.token}`;
      const url = new URL(EVENTS_PATH, ep.url);
      const headers: Record<string, string> = { authorization: `Bearer ${ep.token}`, accept: 'text/event-stream' };
      if (engine === lastEngine && lastId !== null) headers['last-event-id'] = lastId;
      else if (lastEngine !== null) url.searchParams.set('since', '0');
      else if (opts.since !== undefined) url.searchParams.set('since', String(opts.since));
      if (engine !== lastEngine) lastId = null;
      lastEngine = engine;
      const res = await doFetch(url, { headers, signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
      opened = true;
      delay = baseRetry;
      opts.onState?.(true);
      await readFrames(res.body, (frame) => {
        if (frame.retry !== undefined) delay = Math.min(frame.retry, maxRetry);
        if (frame.id !== undefined) lastId = frame.id;
        if (frame.data === undefined) return;
        if (frame.event === 'gap') return opts.onGap?.();
        try {
          opts.onEvent(JSON.parse(frame.data) as ControlEvent);
        } catch {
          // A frame that is not JSON is not ours to deliver; the stream goes on.
        }
      });
      if (!closed) opts.onState?.(false);
    } catch (e) {
      if (closed) return;
      opts.onState?.(false, e as Error);
      if (!opened) delay = Math.min(delay * 2, maxRetry);
    }
    if (!closed) timer = setTimeout(() => void connect(), delay);
  };
  void connect();

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      abort?.abort();
    },
  };
}

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

/** Server-Sent Events framing (WHATWG HTML §9.2.6): fields per line, a blank line ends a frame. */
async function readFrames(body: ReadableStream<Uint8Array>, onFrame: (f: Frame) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let frame: Frame = {};
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      // A lone \r at the end of the buffer may be the first half of \r\n: wait for more.
      if (buf[nl] === '\r' && nl === buf.length - 1) break;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        onFrame(frame);
        frame = {};
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
      else if (field === 'event') frame.event = value;
      else if (field === 'id' && !value.includes('\0')) frame.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
    }
  }
}
