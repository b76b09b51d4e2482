/**
 * A batch of stored records as OCSF 1.1 API Activity (class 6003) events, one JSON array per
 * request (`application/json`), each event made by the engine's own mapping (toOcsf, the
 * same as `witness export --format ocsf` and the server's `GET /api/v1/export?format=ocsf`).
 */
import { toOcsf } from '../../proxy/audit/index.js';
import type { ExportedRecord } from '../../proxy/model/index.js';

export const OCSF_CONTENT_TYPE = 'application/json';

export function ocsfBody(records: ExportedRecord[]): string {
  return JSON.stringify(records.map((r) => toOcsf(r)));
}
