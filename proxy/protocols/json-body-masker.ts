/**
 * A JSON request body masked piece by piece (json-layout.ts): each top-level member's value
 * and each element of a top-level array is decoded, parsed and masked on its own, and the
 * body that goes upstream is the original bytes with only the pieces that changed
 * re-encoded. The result is the one maskDeep gives over the whole parsed body (same
 * value, same findings, same paths); the bytes of what was not masked are the client's own.
 *
 * Agent mode resends the whole conversation every turn, so most pieces were seen before:
 * a piece in which masking found nothing is remembered by the SHA-256 of its bytes (its
 * parsed value, frozen, shared by the requests that resend it) and is neither parsed nor
 * scanned again. A piece with a secret in it is never remembered: it is masked every time,
 * so the placeholder round trip's ledger hears of its secret on every request, as before,
 * and this cache never holds a secret.
 */
import { hash } from 'node:crypto';
import { maskDeep, type DeepMaskResult, type TextMasker } from './deep-mask.js';
import { objectLayout } from './json-layout.js';

export interface MaskedJsonBody {
  /** The masked body, as JSON.parse of the masked text would give it. */
  value: unknown;
  findings: DeepMaskResult<unknown>['findings'];
  /** The masked body's bytes when anything was masked (else null: forward the original). */
  bytes: Buffer | null;
}

/** Pieces shorter than this are parsed and masked every time (hashing and bookkeeping would cost more). */
const MIN_CACHED_BYTES = 256;

function deepFreeze(v: unknown): unknown {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class JsonBodyMasker {
  /** Parsed pieces in which nothing was found, by the SHA-256 of their bytes; oldest first (an LRU bounded in bytes). */
  private readonly clean = new Map<string, { value: unknown; size: number }>();
  private cachedBytes = 0;

  /** `maxCachedBytes`: bytes of pieces whose parsed values are kept (0: none). */
  constructor(private readonly maxCachedBytes: number) {}

  /** Bytes of pieces remembered now. */
  get cached(): number {
    return this.cachedBytes;
  }

  /**
   * The masked body, or null when `body` is not a JSON object laid out as JSON (the caller
   * then reads the whole text as before: it may be another JSON value, or not JSON at all).
   */
  mask(body: Buffer, masker: TextMasker): MaskedJsonBody | null {
    const members = objectLayout(body);
    if (!members) return null;
    const findings: MaskedJsonBody['findings'] = [];
    // The output's pieces in order: original ranges, and the re-encoded pieces that changed.
    const out: Buffer[] = [];
    let copiedTo = 0;
    let changed = false;
    const piece = (start: number, end: number, at: Array<string | number>): { value: unknown } | null => {
      const cacheKey = this.maxCachedBytes > 0 && end - start >= MIN_CACHED_BYTES ? hash('sha256', body.subarray(start, end), 'base64') : null;
      if (cacheKey !== null) {
        const hit = this.clean.get(cacheKey);
        if (hit) {
          this.clean.delete(cacheKey); // most recently used last
          this.clean.set(cacheKey, hit);
          return { value: hit.value };
        }
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8', start, end));
      } catch {
        return null;
      }
      const r = maskDeep(parsed, masker, undefined, at);
      if (r.findings.length === 0) {
        if (cacheKey !== null) this.remember(cacheKey, parsed, end - start);
        return { value: parsed };
      }
      findings.push(...r.findings);
      changed = true;
      out.push(body.subarray(copiedTo, start), Buffer.from(JSON.stringify(r.value), 'utf8'));
      copiedTo = end;
      return { value: r.value };
    };

    const value: Record<string, unknown> = {};
    for (const m of members) {
      let key: string;
      try {
        key = JSON.parse(body.toString('utf8', m.keyStart, m.keyEnd)) as string;
      } catch {
        return null;
      }
      // A top-level key with a secret in it: the whole-body path masks it (and names it).
      if (masker.mask(key).findings.length > 0) return null;
      let v: unknown;
      if (m.elements) {
        const items: unknown[] = new Array(m.elements.length);
        for (let i = 0; i < m.elements.length; i++) {
          const [s, e] = m.elements[i]!;
          const p = piece(s, e, [key, i]);
          if (!p) return null;
          items[i] = p.value;
        }
        v = items;
      } else {
        const p = piece(m.valueStart, m.valueEnd, [key]);
        if (!p) return null;
        v = p.value;
      }
      // As JSON.parse does it (CreateDataProperty): a key named "__proto__" is an own property, a repeated key keeps its place and takes the later value.
      Object.defineProperty(value, key, { value: v, writable: true, enumerable: true, configurable: true });
    }
    if (!changed) return { value, findings, bytes: null };
    out.push(body.subarray(copiedTo));
    return { value, findings, bytes: Buffer.concat(out) };
  }

  private remember(key: string, value: unknown, size: number) {
    if (size > this.maxCachedBytes) return;
    // Shared by every request that resends the piece: frozen, so nothing downstream can change it for the next one.
    this.clean.set(key, { value: deepFreeze(value), size });
    this.cachedBytes += size;
    for (const [old, e] of this.clean) {
      if (this.cachedBytes <= this.maxCachedBytes) break;
      this.clean.delete(old);
      this.cachedBytes -= e.size;
    }
  }
}
