/**
 * Headers as the audit record keeps them: credentials replaced by `[REDACTED]` (an
 * Authorization value keeps its scheme, so "Bearer" vs "Basic" stays visible), every other
 * value passed through the masker in case a secret rides in a custom header (URL-valued
 * headers such as Referer and Location as URLs, percent-encoded secrets included).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { maskUrl, type Masker } from '../../masking/index.js';

/** Header names whose values are credentials, whatever they look like. */
const CREDENTIAL = /^(?:authorization|proxy-authorization|cookie|set-cookie|request-hmac)$|token|secret|password|passwd|api-?key|session|hmac|signature|credential|auth/i;
/** Header values that are URLs: masked like request targets (percent-encoded secrets too). */
const URL_VALUED = /^(?:referer|location|content-location)$/i;
/** Values longer than this are cut (a header is for reading, not for archiving payloads). */
const MAX_VALUE = 512;

export type HeaderPairs = Array<[string, string]>;

export function redactHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, masker: Masker): HeaderPairs {
  const out: HeaderPairs = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      const value = String(v);
      if (CREDENTIAL.test(name)) {
        const scheme = /^(?:authorization|proxy-authorization)$/i.test(name) ? /^([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1] : undefined;
        out.push([name, scheme ? `${scheme} [REDACTED]` : '[REDACTED]']);
        continue;
      }
      // Most header values hold no keyword at all: skip the detectors for them.
      const masked = URL_VALUED.test(name) ? maskUrl(masker, value).text : masker.mightContainSecret(value) ? masker.mask(value).text : value;
      out.push([name, masked.length > MAX_VALUE ? `${masked.slice(0, MAX_VALUE)}…` : masked]);
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}
