/**
 * Whole-text masking: secrets become stable placeholders `[MASKED:<type>:<4 hex>]`, where
 * the hex is a keyed hash (HMAC-SHA-256 with a per-install key) of the secret. The same
 * secret gets the same placeholder across records; the secret cannot be recovered.
 */
import { hash } from 'node:crypto';
import type { Detector } from './detector.js';
import { ALL_DETECTORS } from './detectors/index.js';
import { HmacTag } from './hmac-tag.js';
import { joinedUtf8 } from './keywords.js';
import { prefilterFor, scan, type Finding } from './scan.js';

const BACKSLASH_U = Buffer.from('\\u', 'latin1');
/** mightContainSecretJoined joins texts shorter than this on average into one string first. */
const JOIN_BELOW = 256;

export interface MaskResult {
  text: string;
  findings: Finding[];
}

export interface MaskerOptions {
  /** Per-install key for the placeholder hash. */
  key: Buffer;
  detectors?: readonly Detector[];
  /**
   * Characters of recently masked texts whose results are kept (0: none). Agent mode sends
   * the whole conversation every turn, so the same long messages come back again and again;
   * a result is found again by the text's SHA-256 instead of being scanned again.
   */
  cacheChars?: number;
}

/** Texts shorter than this are scanned every time (hashing and bookkeeping would cost more). */
const CACHE_MIN_CHARS = 512;

export class Masker {
  readonly detectors: readonly Detector[];
  /** Recent results by the SHA-256 of their input, oldest first (an LRU bounded in characters). */
  private readonly cache = new Map<string, { text: string; findings: Finding[]; size: number }>();
  private cached = 0;
  private readonly cacheChars: number;

  /** The placeholder tags under this install's key. */
  private readonly tags: HmacTag;

  constructor(opts: MaskerOptions) {
    this.tags = new HmacTag(opts.key);
    this.detectors = opts.detectors ?? ALL_DETECTORS;
    this.cacheChars = opts.cacheChars ?? 8 * 1024 * 1024;
  }

  placeholder(type: string, secret: string): string {
    return `[MASKED:${type}:${this.tag(secret)}]`;
  }

  /** HMAC-SHA-256(key, secret), first 4 hex digits (hmac-tag.ts; a test holds it to createHmac). */
  private tag(secret: string): string {
    return this.tags.of(secret);
  }

  /**
   * False only when no detector can match: none of their keywords occurs (every detector
   * has at least one keyword; a test checks it). A cheap way to pass traffic through
   * without parsing it. Text with JSON \u escapes is always treated as a candidate, since
   * an escape can hide a keyword.
   */
  mightContainSecret(text: string): boolean {
    if (text.includes('\\u')) return true;
    return prefilterFor(this.detectors).index.occursIn(text);
  }

  /**
   * mightContainSecret(texts.join('\n')), read from the texts' UTF-8 bytes without joining
   * them into one string (see KeywordIndex.occursInBytes: the same answer as the text's).
   */
  mightContainSecretJoined(texts: readonly string[]): boolean {
    // Short texts: one string, written at once (a write per text costs more than the join).
    let chars = 0;
    for (const t of texts) chars += t.length;
    if (chars < texts.length * JOIN_BELOW) return this.mightContainSecret(texts.join('\n'));
    const bytes = joinedUtf8(texts);
    // "\u" in the bytes exactly when in the text: both characters are ASCII.
    if (bytes.indexOf(BACKSLASH_U) >= 0) return true;
    return prefilterFor(this.detectors).index.occursInBytes(bytes, 0, bytes.length);
  }

  mask(text: string): MaskResult {
    if (this.cacheChars === 0 || text.length < CACHE_MIN_CHARS || text.length > this.cacheChars) return this.maskNow(text);
    const k = hash('sha256', text, 'base64');
    const hit = this.cache.get(k);
    if (hit) {
      this.cache.delete(k); // most recently used last
      this.cache.set(k, hit);
      return { text: hit.text, findings: hit.findings.map((f) => ({ ...f })) };
    }
    const r = this.maskNow(text);
    this.cache.set(k, { text: r.text, findings: r.findings.map((f) => ({ ...f })), size: text.length });
    this.cached += text.length;
    for (const [old, e] of this.cache) {
      if (this.cached <= this.cacheChars) break;
      this.cache.delete(old);
      this.cached -= e.size;
    }
    return r;
  }

  /** Characters of input whose results are cached now. */
  get cachedChars(): number {
    return this.cached;
  }

  private maskNow(text: string): MaskResult {
    const findings = scan(text, this.detectors);
    return { text: this.apply(text, findings), findings };
  }

  /** Replaces the given (sorted, disjoint) findings in `text`. */
  apply(text: string, findings: readonly Finding[], offset = 0): string {
    if (findings.length === 0) return text;
    let out = '';
    let pos = 0;
    for (const f of findings) {
      const s = f.start - offset;
      const e = f.end - offset;
      out += text.slice(pos, s) + this.placeholder(f.type, text.slice(s, e));
      pos = e;
    }
    return out + text.slice(pos);
  }
}
