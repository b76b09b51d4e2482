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

/** What a header name means for the record: decided once per name, not per request. */
const Kind = {
  Plain: 0,
  Credential: 1,
  /** A credential whose scheme is kept (Authorization, Proxy-Authorization). */
  Scheme: 2,
  Url: 3,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];
const kinds = new Map<string, Kind>();
const MAX_NAMES = 1024;

function kindOf(name: string): Kind {
  let k = kinds.get(name);
  if (k === undefined) {
    k = CREDENTIAL.test(name) ? (/^(?:authorization|proxy-authorization)$/i.test(name) ? Kind.Scheme : Kind.Credential) : URL_VALUED.test(name) ? Kind.Url : Kind.Plain;
    if (kinds.size >= MAX_NAMES) kinds.clear();
    kinds.set(name, k);
  }
  return k;
}

/**
 * Values the masker found no keyword in, per masker (most headers repeat on every request:
 * user agent, editor version, content type). Only such values are kept, so no secret is;
 * bounded, started over when full.
 */
const cleanValues = new WeakMap<Masker, Set<string>>();
const MAX_CLEAN = 512;

function maskValue(masker: Masker, value: string): string {
  let clean = cleanValues.get(masker);
  if (clean?.has(value)) return value;
  if (masker.mightContainSecret(value)) return masker.mask(value).text;
  if (value.length <= MAX_VALUE) {
    if (!clean) cleanValues.set(masker, (clean = new Set()));
    else if (clean.size >= MAX_CLEAN) clean.clear();
    clean.add(value);
  }
  return value;
}

/** localeCompare's order (a collator with the same default locale and options), without a collator per call. */
const byName = new Intl.Collator();

export function redactHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, masker: Masker): HeaderPairs {
  const out: HeaderPairs = [];
  for (const name of Object.keys(headers)) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const kind = kindOf(name);
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      const value = String(v);
      if (kind === Kind.Credential || kind === Kind.Scheme) {
        const scheme = kind === Kind.Scheme ? /^([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1] : undefined;
        out.push([name, scheme ? `${scheme} [REDACTED]` : '[REDACTED]']);
        continue;
      }
      // Most header values hold no keyword at all: skip the detectors for them.
      const masked = kind === Kind.Url ? maskUrl(masker, value).text : maskValue(masker, value);
      out.push([name, masked.length > MAX_VALUE ? `${masked.slice(0, MAX_VALUE)}…` : masked]);
    }
  }
  return out.sort((a, b) => byName.compare(a[0], b[0]));
}
