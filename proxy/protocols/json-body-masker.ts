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
 *
 * Hashing every piece of a 200 KB history was itself most of a resent body's cost, so the
 * last few bodies are kept too (by reference, with their clean pieces' values): the bytes a
 * new body shares with one of them from its start are found by comparison (memcmp, far
 * faster than SHA-256), and a clean piece lying wholly in that shared prefix, at the same
 * offsets, is the same text, so its value is taken without hashing it. A body with a secret
 * is kept as a copy with its masked pieces' bytes zeroed (no secret held), and the
 * comparison steps over those pieces: a token pasted in the first message no longer makes
 * every later piece of every later request hashed again (≈ 200 KB of SHA-256 per request
 * at the end of a 30-turn session). The pieces it steps over are masked anew, as always.
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

/**
 * Pieces shorter than this are not hashed (hashing and bookkeeping would cost more than
 * parsing them): parsed and masked again unless they lie where a recent body agrees.
 */
const MIN_CACHED_BYTES = 256;

/** Recent bodies compared with a new one for a shared prefix (one per concurrent conversation, roughly). */
const RECENT_BODIES = 4;

/** A body seen recently and its clean remembered pieces (frozen values) by start offset. */
interface RecentBody {
  /** The body's bytes; those of its masked pieces zeroed (a copy then, so the client's buffer and its secrets are not held). */
  body: Buffer;
  clean: Map<number, { end: number; value: unknown }>;
  /** The pieces with a secret, [start, end) in order: their bytes are not kept, and a comparison steps over them. */
  masked: Array<[number, number]>;
}

/** Where `a` and `b` first differ in [from, to), else `to` (compared in blocks: the native compare does the work). */
function sharedRange(a: Buffer, b: Buffer, from: number, to: number): number {
  const BLOCK = 4096;
  let i = from;
  while (i < to) {
    const e = Math.min(to, i + BLOCK);
    if (a.compare(b, i, e, i, e) !== 0) break;
    i = e;
  }
  // The differing block: halved until a few bytes are left (a dozen native compares, not a loop over up to 4 KB).
  let hi = Math.min(to, i + BLOCK);
  while (hi - i > 16) {
    const mid = (i + hi) >>> 1;
    if (a.compare(b, i, mid, i, mid) === 0) i = mid;
    else hi = mid;
  }
  while (i < hi && a[i] === b[i]) i++;
  return i;
}

/**
 * How far `body` agrees with a recent one from its start, its masked pieces stepped over:
 * every byte before the result that lies outside those pieces is the same in both (so a
 * clean piece of the recent body wholly before it, at the same offsets, is the same text).
 */
function agreement(body: Buffer, r: RecentBody): number {
  const n = Math.min(body.length, r.body.length);
  let i = 0;
  for (const [start, end] of r.masked) {
    if (i >= n) return n;
    i = sharedRange(body, r.body, i, Math.min(start, n));
    if (i < start) return i;
    i = end;
  }
  return i >= n ? n : sharedRange(body, r.body, i, n);
}

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
  /** The last few bodies, most recent first. */
  private recent: RecentBody[] = [];
  /** Bytes of pieces hashed so far (for tests and profiling: what the shared-prefix shortcut saves). */
  hashedBytes = 0;

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
    const masked: RecentBody['masked'] = [];
    const remembering = this.maxCachedBytes > 0 && body.length <= this.maxCachedBytes;
    // The recent body sharing the longest prefix with this one, and this body's own clean pieces.
    let like: RecentBody | null = null;
    let shared = 0;
    if (remembering) {
      for (const r of this.recent) {
        const n = agreement(body, r);
        if (n > shared) [like, shared] = [r, n];
      }
    }
    const seen: RecentBody | null = remembering ? { body, clean: new Map(), masked } : null;
    const piece = (start: number, end: number, at: Array<string | number>): { value: unknown } | null => {
      if (like && end <= shared) {
        const same = like.clean.get(start);
        if (same && same.end === end) {
          seen!.clean.set(start, same);
          return { value: same.value };
        }
      }
      const cacheKey = this.maxCachedBytes > 0 && end - start >= MIN_CACHED_BYTES ? ((this.hashedBytes += end - start), hash('sha256', body.subarray(start, end), 'base64')) : null;
      if (cacheKey !== null) {
        const hit = this.clean.get(cacheKey);
        if (hit) {
          this.clean.delete(cacheKey); // most recently used last
          this.clean.set(cacheKey, hit);
          seen?.clean.set(start, { end, value: hit.value });
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
        if (cacheKey !== null) {
          if (this.remember(cacheKey, parsed, end - start)) seen?.clean.set(start, { end, value: parsed });
        } else if (seen) {
          // Too short to hash, but taken from a body that continues this one at no cost (an
          // agent's short assistant turns, the top-level scalars): shared, so frozen.
          seen.clean.set(start, { end, value: deepFreeze(parsed) });
        }
        return { value: parsed };
      }
      findings.push(...r.findings);
      masked.push([start, end]);
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
    if (seen) this.keep(seen, like, shared);
    if (!changed) return { value, findings, bytes: null };
    out.push(body.subarray(copiedTo));
    return { value, findings, bytes: Buffer.concat(out) };
  }

  /**
   * Keeps a body among the recent ones (with a secret in it: a copy, its masked pieces'
   * bytes zeroed, so that neither the client's buffer nor a secret is held), in place of the
   * body it continues (the same conversation's previous turn: most of it shared), within
   * the byte budget.
   */
  private keep(seen: RecentBody, like: RecentBody | null, shared: number) {
    if (seen.masked.length > 0) {
      seen.body = Buffer.from(seen.body);
      for (const [start, end] of seen.masked) seen.body.fill(0, start, end);
    }
    const rest = this.recent.filter((r) => !(r === like && shared * 2 >= r.body.length));
    this.recent = [seen];
    let bytes = seen.body.length;
    for (const r of rest) {
      if (this.recent.length >= RECENT_BODIES || bytes + r.body.length > this.maxCachedBytes) break;
      this.recent.push(r);
      bytes += r.body.length;
    }
  }

  /** Remembers a clean piece (false when it is larger than the whole budget). */
  private remember(key: string, value: unknown, size: number): boolean {
    if (size > this.maxCachedBytes) return false;
    // Shared by every request that resends the piece: frozen, so nothing downstream can change it for the next one.
    this.clean.set(key, { value: deepFreeze(value), size });
    this.cachedBytes += size;
    for (const [old, e] of this.clean) {
      if (this.cachedBytes <= this.maxCachedBytes) break;
      this.clean.delete(old);
      this.cachedBytes -= e.size;
    }
    return true;
  }
}
