/**
 * Typed control API client, derived from the contract. Uses only fetch, so the same file
 * serves the CLI (Node) and, later, the UI (browser).
 */
import { ErrorBodySchema, EVENTS_PATH, Methods, type MethodInput, type MethodName, type MethodOutput } from './contract.js';

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
  url: string;
  token?: string;
  fetch?: typeof fetch;
}

export function createControlClient(opts: ControlClientOptions) {
  const doFetch = opts.fetch ?? fetch;
  const headers = (): Record<string, string> => (opts.token ? { authorization: `Bearer ${opts.token}` } : {});

  async function call<M extends MethodName>(name: M, input?: MethodInput<M>): Promise<MethodOutput<M>> {
    const m = Methods[name];
    const url = new URL(m.path, opts.url);
    let body: string | undefined;
    if (m.method === 'GET') {
      for (const [k, v] of Object.entries(input ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    } else {
      body = JSON.stringify(input ?? {});
    }
    const res = await doFetch(url, {
      method: m.method,
      headers: { ...headers(), ...(body ? { 'content-type': 'application/json' } : {}) },
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
  };
}
export type ControlClient = ReturnType<typeof createControlClient>;
