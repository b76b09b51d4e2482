/**
 * Typed control API client, derived from the contract. Uses only fetch, so the same file
 * serves the CLI (Node), the desktop shell's main process and the UI (browser).
 */
import { ErrorBodySchema, EVENTS_PATH, Methods, type MethodInput, type MethodName, type MethodOutput } from './contract.js';
import { streamEvents, type ControlEndpoint, type EventStream, type EventStreamHandlers } from './event-stream.js';

export type { ControlEndpoint, EventStream, EventStreamHandlers };

export class ControlApiError extends Error {
  override readonly name = 'ControlApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ControlClientOptions {
  url?: string;
  token?: string;
  /**
   * Where the engine is now, asked before every call: the desktop window gets it through the
   * preload bridge, and it changes when the shell restarts the engine. Wins over url/token.
   */
  endpoint?: () => ControlEndpoint | Promise<ControlEndpoint>;
  fetch?: typeof fetch;
}

export function createControlClient(opts: ControlClientOptions) {
  const doFetch = opts.fetch ?? fetch;
  const endpoint = async (): Promise<{ url: string; token?: string }> => {
    if (opts.endpoint) return opts.endpoint();
    if (opts.url === undefined) throw new Error('createControlClient needs url or endpoint');
    return { url: opts.url, ...(opts.token ? { token: opts.token } : {}) };
  };

  async function call<M extends MethodName>(name: M, input?: MethodInput<M>): Promise<MethodOutput<M>> {
    const m = Methods[name];
    const { url: base, token } = await endpoint();
    const url = new URL(m.path, base);
    let body: string | undefined;
    if (m.method === 'GET') {
      for (const [k, v] of Object.entries(input ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    } else {
      body = JSON.stringify(input ?? {});
    }
    const res = await doFetch(url, {
      method: m.method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const err = ErrorBodySchema.safeParse(json);
      throw new ControlApiError(res.status, err.success ? err.data.error.code : 'HTTP_' + res.status, err.success ? err.data.error.message : res.statusText);
    }
    return m.output.parse(json) as MethodOutput<M>;
  }

  return {
    call,
    status: () => call('status', {}),
    eventsUrl: () => new URL(EVENTS_PATH, opts.url).toString(),
    /**
     * Live events over fetch (so the bearer token goes in a header, never in the URL), with
     * reconnects that resume from the last event seen.
     */
    events: (handlers: EventStreamHandlers): EventStream =>
      streamEvents({
        endpoint: async () => {
          const e = await endpoint();
          return { url: e.url, token: e.token ?? '' };
        },
        fetch: doFetch,
        ...handlers,
      }),
  };
}
export type ControlClient = ReturnType<typeof createControlClient>;
