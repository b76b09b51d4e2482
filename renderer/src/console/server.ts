/**
 * The console's way to witness-server's API (/api/v1, same origin): the access token as
 * Bearer on every call, errors as ServerError with the server's code and message, exports
 * fetched with the token and saved as a file. Types come from the shared model.
 */
import type { CentralPolicy, ExportedRecord, FleetDevice, Review, ServerSearchPage, ServerSearchQuery, SiemDeadLetter, SiemExportStatus } from '../../../proxy/model/index.js';

export type { CentralPolicy, ExportedRecord, FleetDevice, Review, ServerSearchPage, ServerSearchQuery, SiemDeadLetter, SiemExportStatus };

/** Who the server says the caller is (`GET /api/v1/me`). */
export interface Me {
  sub: string;
  email: string | null;
  groups: string[];
  auditor: boolean;
  admin: boolean;
}

export interface SecurityEvent {
  id: number;
  time: string;
  device: string | null;
  code: string;
  message: string;
}

export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | undefined>;

export function queryString(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class ServerApi {
  constructor(
    private readonly token: string,
    /** Called on 401: the token expired or was refused; the console asks for a new sign-in. */
    private readonly onSignedOut: () => void,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.ok) return res;
    let code = 'HTTP_' + res.status;
    let message = `the server answered ${res.status}`;
    try {
      const e = ((await res.json()) as { error?: { code?: string; message?: string } }).error;
      if (e?.code) code = e.code;
      if (e?.message) message = e.message;
    } catch {
      // not our JSON error body: keep the status
    }
    if (res.status === 401) this.onSignedOut();
    throw new ServerError(res.status, code, message);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.call(method, path, body)).json()) as T;
  }

  me = () => this.json<Me>('GET', '/me');
  search = (q: Params) => this.json<ServerSearchPage>('GET', `/records${queryString(q)}`);
  record = (id: string) => this.json<ExportedRecord>('GET', `/records/${encodeURIComponent(id)}`);
  devices = () => this.json<{ items: FleetDevice[] }>('GET', '/devices');
  securityEvents = () => this.json<{ items: SecurityEvent[] }>('GET', '/security-events');
  exports = () => this.json<{ items: SiemExportStatus[] }>('GET', '/exports');
  deadLetters = (name: string) => this.json<{ items: SiemDeadLetter[] }>('GET', `/exports/${encodeURIComponent(name)}/dead-letters`);
  policy = () => this.json<CentralPolicy>('GET', '/policy');
  policyHistory = () => this.json<{ items: CentralPolicy[] }>('GET', '/policy/history');
  publishPolicy = (doc: unknown) => this.json<CentralPolicy>('PUT', '/policy', doc);
  reviews = (state: string) => this.json<{ items: Review[] }>('GET', `/reviews${queryString({ state: state || undefined })}`);
  decideReview = (id: string, body: { decision: 'approve' | 'deny'; argsHash: string; reason?: string | null }) => this.json<Review>('POST', `/reviews/${encodeURIComponent(id)}/decision`, body);
  validatePolicy = (doc: unknown) => this.json<{ problem: { path: string; message: string } | null }>('POST', '/policy/validate', doc);

  /** An export of the current result set (the same filters), saved as a file. */
  async exportRecords(format: 'jsonl' | 'ocsf', q: Params): Promise<void> {
    const res = await this.call('GET', `/export${queryString({ ...q, limit: undefined, before: undefined, format })}`);
    saveFile(await res.blob(), `witness-records.${format === 'ocsf' ? 'ocsf.jsonl' : 'jsonl'}`);
  }
}

/** Saves a blob through a download link (no new window, nothing inline). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
