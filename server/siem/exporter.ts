/**
 * Pushes stored records to each configured SIEM destination, on every node: the ledger
 * decides which node works on which destination (one at a time), this loop sends.
 *
 * Per request: 2xx moves the cursor; 408, 429, 5xx, a redirect or a network failure is
 * transient (the cursor stays, the next attempt waits an exponential backoff with jitter,
 * kept in the database so every node honours it); any other 4xx is a refusal: the batch is
 * sent again record by record and each record refused again goes to the dead-letter table,
 * so one bad record does not hold up the rest. Logs name the destination and the outcome,
 * never a header or a body.
 */
import { randomUUID } from 'node:crypto';
import type { ExportedRecord, SiemDeadLetter, SiemExportStatus } from '../../proxy/model/index.js';
import type { Db } from '../db.js';
import type { SiemConfig, SiemDestination } from './config.js';
import { SiemLedger, type DeadLetter, type LoggedRecord } from './ledger.js';
import { ocsfBody, OCSF_CONTENT_TYPE } from './ocsf.js';
import { otlpBody, OTLP_CONTENT_TYPE } from './otlp.js';

export type ExportStatus = SiemExportStatus;

type Outcome = { kind: 'ok'; note?: string } | { kind: 'transient'; error: string } | { kind: 'refused'; status: number; error: string };

export interface ExporterOptions {
  db: Db;
  config: SiemConfig;
  /** Structured log lines (never a body or a header). */
  log?: (line: Record<string, unknown>) => void;
  fetch?: typeof fetch;
  random?: () => number;
}

const brief = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);

/** The URL as shown to the console: no user info, no query (either may hold a credential). */
const shownUrl = (u: string) => {
  const url = new URL(u);
  return `${url.protocol}//${url.host}${url.pathname}`;
};

export class SiemExporter {
  private readonly ledger: SiemLedger;
  private readonly fetch: typeof fetch;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: ExporterOptions) {
    this.ledger = new SiemLedger(opts.db, `node-${randomUUID()}`);
    this.fetch = opts.fetch ?? fetch;
    this.random = opts.random ?? Math.random;
  }

  get destinations(): readonly SiemDestination[] {
    return this.opts.config.destinations;
  }

  async start(): Promise<void> {
    await this.ledger.ensure(this.destinations.map((d) => d.name));
    if (this.destinations.length) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((e: unknown) => this.opts.log?.({ level: 'error', msg: 'siem export failed', error: (e as Error).message }))
        .finally(() => {
          this.running = null;
          this.schedule(this.opts.config.intervalSeconds * 1000);
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass: sequence new records, then drain every destination this node can claim. */
  async tick(): Promise<void> {
    while ((await this.ledger.sequence()) > 0 && !this.stopped);
    for (const d of this.destinations) {
      if (this.stopped) return;
      await this.drain(d);
    }
  }

  private async drain(d: SiemDestination): Promise<void> {
    // A lease outlives the requests it covers: it is renewed before each one.
    const lease = d.timeoutSeconds * 2 + 30;
    while (!this.stopped) {
      const cursor = await this.ledger.claim(d.name, lease);
      if (cursor === null) return;
      const rows = await this.ledger.after(cursor, d.batchSize);
      if (!rows.length) return this.ledger.release(d.name);
      const settled = await this.ledger.settle(d.name, await this.deliver(d, cursor, rows, lease));
      if (!settled) this.opts.log?.({ level: 'warn', msg: 'siem export lease lost', destination: d.name });
      if (!settled || rows.length < d.batchSize) return;
      const [state] = await this.ledger.status([d.name]);
      if (state?.nextAttemptAt) return; // backing off
    }
  }

  private async deliver(d: SiemDestination, from: number, rows: LoggedRecord[], lease: number) {
    const live = rows.filter((r): r is LoggedRecord & { body: string; id: string } => r.body !== null && r.id !== null);
    const last = rows[rows.length - 1]!.pos;
    if (!live.length) return { from, to: last, delivered: 0, dead: [] };
    const first = await this.send(d, live);
    if (first.kind === 'ok') return { from, to: last, delivered: live.length, dead: [], ...(first.note ? { note: first.note } : {}) };
    if (first.kind === 'transient') return this.retry(d, from, from, 0, [], first.error);
    // Refused: find which records, one request each, so the good ones still arrive.
    const dead: DeadLetter[] = [];
    let delivered = 0;
    let to = from;
    for (const r of rows) {
      if (r.body !== null && r.id !== null) {
        if (live.length > 1 && !(await this.ledger.renew(d.name, lease))) break;
        const one = live.length > 1 ? await this.send(d, [r as LoggedRecord & { body: string; id: string }]) : first;
        if (one.kind === 'transient') return this.retry(d, from, to, delivered, dead, one.error);
        if (one.kind === 'ok') delivered++;
        else dead.push({ pos: r.pos, recordId: r.id, status: one.status, error: one.error });
      }
      to = r.pos;
    }
    const note = dead.length ? `${dead.length} record(s) refused: ${dead[dead.length - 1]!.error}` : undefined;
    this.opts.log?.({ level: 'warn', msg: 'siem destination refused records', destination: d.name, deadLetters: dead.length });
    return { from, to, delivered, dead, ...(note ? { note } : {}) };
  }

  private async retry(d: SiemDestination, from: number, to: number, delivered: number, dead: DeadLetter[], error: string) {
    const [state] = await this.ledger.status([d.name]);
    const { initialSeconds, maxSeconds } = this.opts.config.backoff;
    const ceiling = Math.min(maxSeconds, initialSeconds * 2 ** Math.min(state?.failures ?? 0, 30));
    // Equal jitter: never less than half the step, so a fleet of nodes does not retry in lockstep.
    const inSeconds = ceiling / 2 + (this.random() * ceiling) / 2;
    this.opts.log?.({ level: 'warn', msg: 'siem destination unavailable', destination: d.name, error, retryInSeconds: Math.round(inSeconds * 10) / 10 });
    return { from, to, delivered, dead, retry: { error, inSeconds } };
  }

  private async send(d: SiemDestination, rows: Array<{ body: string }>): Promise<Outcome> {
    const records = rows.map((r) => JSON.parse(r.body) as ExportedRecord);
    const [body, type] = d.kind === 'otlp' ? [otlpBody(records, Date.now()), OTLP_CONTENT_TYPE] : [ocsfBody(records), OCSF_CONTENT_TYPE];
    let res: Response;
    try {
      res = await this.fetch(d.url, {
        method: 'POST',
        headers: { ...d.headers, 'content-type': type },
        body: typeof body === 'string' ? body : Buffer.from(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(d.timeoutSeconds * 1000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      return { kind: 'transient', error: `the destination did not answer: ${cause ?? (e as Error).name}` };
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', ...partialSuccess(d, text) };
    const error = `HTTP ${res.status}${text ? `: ${brief(text)}` : ''}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return { kind: 'refused', status: res.status, error };
    return { kind: 'transient', error };
  }

  async status(): Promise<ExportStatus[]> {
    const rows = await this.ledger.status(this.destinations.map((d) => d.name));
    return this.destinations.map((d, i) => {
      const r = rows[i]!;
      return {
        name: d.name,
        kind: d.kind,
        url: shownUrl(d.url),
        cursor: r.cursor,
        delivered: r.delivered,
        pending: r.pending,
        deadLetters: r.deadLetters,
        lastError: r.lastError,
        lastErrorAt: r.lastErrorAt,
        lastDeliveredAt: r.lastDeliveredAt,
        nextAttemptAt: r.nextAttemptAt,
      };
    });
  }

  deadLetters(name: string): Promise<SiemDeadLetter[]> {
    return this.ledger.deadLetters(name);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** OTLP's partial success (the collector kept the request but dropped some logs): not retried, noted. */
function partialSuccess(d: SiemDestination, text: string): { note?: string } {
  if (d.kind !== 'otlp' || !text) return {};
  try {
    const p = (JSON.parse(text) as { partialSuccess?: { rejectedLogRecords?: number | string; errorMessage?: string } }).partialSuccess;
    const n = Number(p?.rejectedLogRecords ?? 0);
    return n > 0 ? { note: `partial success: ${n} log record(s) rejected${p?.errorMessage ? `: ${brief(p.errorMessage)}` : ''}` } : {};
  } catch {
    return {};
  }
}
