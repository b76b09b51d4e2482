/**
 * Whole-text masking: secrets become stable placeholders `[MASKED:<type>:<4 hex>]`, where
 * the hex is a keyed hash (HMAC-SHA-256 with a per-install key) of the secret. The same
 * secret gets the same placeholder across records; the secret cannot be recovered.
 */
import { createHmac } from 'node:crypto';
import type { Detector } from './detector.js';
import { ALL_DETECTORS } from './detectors/index.js';
import { prefilterFor, scan, type Finding } from './scan.js';

export interface MaskResult {
  text: string;
  findings: Finding[];
}

export interface MaskerOptions {
  /** Per-install key for the placeholder hash. */
  key: Buffer;
  detectors?: readonly Detector[];
}

export class Masker {
  readonly detectors: readonly Detector[];
  private readonly key: Buffer;

  constructor(opts: MaskerOptions) {
    this.key = opts.key;
    this.detectors = opts.detectors ?? ALL_DETECTORS;
  }

  placeholder(type: string, secret: string): string {
    const h = createHmac('sha256', this.key).update(secret).digest('hex').slice(0, 4);
    return `[MASKED:${type}:${h}]`;
  }

  /**
   * False only when no detector can match: none of their keywords occurs (every detector
   * has at least one keyword; a test checks it). A cheap way to pass traffic through
   * without parsing it. Text with JSON \u escapes is always treated as a candidate, since
   * an escape can hide a keyword.
   */
  mightContainSecret(text: string): boolean {
    if (text.includes('\\u')) return true;
    const pf = prefilterFor(this.detectors);
    const present = new Uint8Array(pf.index.size);
    pf.index.scan(text, present);
    return present.includes(1);
  }

  findings(text: string): Finding[] {
    return scan(text, this.detectors);
  }

  mask(text: string): MaskResult {
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

export const PLACEHOLDER_RE = /\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\]/g;
