/**
 * Masks a request target (path and query) for records, events and logs, so a token in
 * `?token=…` or in a path segment is never kept in clear. Secrets are found as sent and,
 * where a component is percent-encoded, in its decoded form too (a client or an attacker
 * may encode `ghp_…` as `ghp%5F…`); a component with a secret is then shown decoded, the
 * secret replaced by its placeholder, and URL delimiters re-encoded so the URL stays
 * readable and unambiguous. Never used for what goes upstream: the request is forwarded
 * as the client sent it.
 */
import type { Masker, MaskResult } from './masker.js';
import type { Finding } from './scan.js';

/** Decoding rounds for nested encoding (`%255F` → `%5F` → `_`). */
const MAX_DECODE_ROUNDS = 3;

/**
 * Targets in which nothing was found, per masker: clients call the same few endpoints
 * again and again, and scanning the same path on every request cost more than the rest of
 * an exchange's start. Only clean targets are kept (no secret is held here), and a masker's
 * result depends only on its text, so a hit is exactly what a scan would give. Bounded:
 * when full, the table starts over.
 */
const clean = new WeakMap<Masker, Set<string>>();
const MAX_CLEAN = 512;
const MAX_CLEAN_CHARS = 256;

export function maskUrl(masker: Masker, target: string): MaskResult {
  let seen = clean.get(masker);
  if (seen?.has(target)) return { text: target, findings: [] };
  const r = maskUrlNow(masker, target);
  if (r.findings.length === 0 && r.text === target && target.length <= MAX_CLEAN_CHARS) {
    if (!seen) clean.set(masker, (seen = new Set()));
    else if (seen.size >= MAX_CLEAN) seen.clear();
    seen.add(target);
  }
  return r;
}

/** maskUrl without the table of clean targets (tests hold the two equal). */
export function maskUrlNow(masker: Masker, target: string): MaskResult {
  // As sent: catches plain secrets, including ones that span a "/" or "=" (base64 keys).
  const plain = masker.mask(target);
  if (!/%[0-9a-f]{2}/i.test(plain.text)) return plain;

  const findings: Finding[] = [...plain.findings];
  const q = plain.text.indexOf('?');
  const path = q < 0 ? plain.text : plain.text.slice(0, q);
  const query = q < 0 ? null : plain.text.slice(q + 1);

  /** `lead` + decoded component, masked; null when decoding changes nothing or finds nothing. */
  const maskDecoded = (lead: string, decoded: string, original: string): string | null => {
    if (decoded === original) return null;
    const r = masker.mask(lead + decoded);
    if (r.findings.length === 0) return null;
    findings.push(...r.findings);
    return r.text;
  };

  const maskedPath = path
    .split('/')
    .map((segment) => {
      if (!segment.includes('%')) return segment;
      const m = maskDecoded('/', decodeRepeatedly(segment), segment);
      return m === null ? segment : encodeDelimiters(m.slice(1));
    })
    .join('/');
  const maskedQuery =
    query === null
      ? null
      : query
          .split('&')
          .map((pair) => {
            if (!pair.includes('%')) return pair;
            // Decoded as a whole "&name=value", so detectors keyed on a parameter name see it.
            const eq = pair.indexOf('=');
            const name = decodeRepeatedly(eq < 0 ? pair : pair.slice(0, eq));
            const decoded = eq < 0 ? name : `${name}=${decodeRepeatedly(pair.slice(eq + 1))}`;
            const m = maskDecoded('&', decoded, pair);
            if (m === null) return pair;
            const text = m.slice(1);
            const head = `${name}=`;
            return eq >= 0 && text.startsWith(head) ? `${encodeDelimiters(name)}=${encodeDelimiters(text.slice(head.length))}` : encodeDelimiters(text);
          })
          .join('&');
  return { text: maskedQuery === null ? maskedPath : `${maskedPath}?${maskedQuery}`, findings };
}

/** Percent-decodes until stable (at most MAX_DECODE_ROUNDS); invalid UTF-8 runs decode byte by byte. */
function decodeRepeatedly(s: string): string {
  let cur = s;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    const next = cur.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(/%([0-9a-f]{2})/gi, (esc: string, hex: string) => (parseInt(hex, 16) < 0x80 ? String.fromCharCode(parseInt(hex, 16)) : esc));
      }
    });
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

/** Keeps a decoded component inside its place in the URL: delimiters, spaces and controls are encoded again. */
function encodeDelimiters(s: string): string {
  return s.replace(/[%/?#&=+\s\x00-\x1f\x7f]/g, (c) => encodeURIComponent(c));
}
