/**
 * The control API's file downloads (paths in the contract's DOWNLOADS): the CA
 * certificate(s) to trust and the audit trail as JSONL, HAR or OCSF. What is downloaded
 * comes from the engine through `DownloadSources`; this module only checks the query and
 * writes the response. Never serves anything without the control API's authentication
 * (the server checks it before a download handler runs).
 */
import type http from 'node:http';
import { DOWNLOADS } from '../control/index.js';
import { EXPORT_FORMATS, parseTime, type ExportFormat } from '../model/index.js';
import type { ControlServer } from './server.js';

export interface DownloadSources {
  /** The CA certificate(s) to trust, PEM: the current one, plus the next during a rotation. */
  caPem(): string;
  /** Writes the audit records in [since, until] (epoch ms, inclusive) in `format`. */
  exportRecords(format: ExportFormat, range: { since: number | undefined; until: number | undefined }, write: (chunk: string) => void): void;
}

const EXTENSION: Record<ExportFormat, string> = { jsonl: 'jsonl', har: 'har', ocsf: 'ocsf.jsonl' };

export function registerDownloads(control: ControlServer, sources: DownloadSources): void {
  control.download(DOWNLOADS.caPem, (_url, res) => {
    res.writeHead(200, { 'content-type': 'application/x-pem-file', 'content-disposition': 'attachment; filename="witness-ca.pem"' });
    res.end(sources.caPem());
  });
  control.download(DOWNLOADS.export, (url, res) => {
    const format = url.searchParams.get('format') ?? 'jsonl';
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return badInput(res, 'format must be jsonl, har or ocsf');
    let since: number | undefined;
    let until: number | undefined;
    try {
      since = parseTime(url.searchParams.get('since') ?? undefined);
      until = parseTime(url.searchParams.get('until') ?? undefined);
    } catch (e) {
      return badInput(res, (e as Error).message);
    }
    const f = format as ExportFormat;
    res.writeHead(200, {
      'content-type': f === 'har' ? 'application/json' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="witness-audit.${EXTENSION[f]}"`,
    });
    sources.exportRecords(f, { since, until }, (chunk) => res.write(chunk));
    res.end();
  });
}

function badInput(res: http.ServerResponse, message: string) {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'BAD_INPUT', message } }));
}
