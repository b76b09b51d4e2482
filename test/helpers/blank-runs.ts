/**
 * Long blank runs in front of secrets: for each corpus text, every white-space gap in the
 * context before a whole-text finding (and just before it) is widened to a long run of
 * spaces, tabs or line breaks, and the text is streamed in several chunkings. A stream keeps
 * a bounded window (stream-masker.ts), so a detector whose match can stretch over a run
 * longer than that window would mask the stream differently from the whole text
 * (docs/masking.md, "What a stream keeps").
 */
import type { Masker } from '../../proxy/masking/index.js';
import type { CorpusEntry } from './corpus.js';
import { streamMasked } from './streams.js';

export const BLANKS = { spaces: ' ', tabs: '\t', lines: '\n' } as const;
export type BlankKind = keyof typeof BLANKS;

export interface BlankVariant {
  id: string;
  /** The whole-text finding's type whose context was widened. */
  type: string;
  kind: BlankKind;
  length: number;
  text: string;
}

/** How far before a finding's secret the gaps are widened (the detectors' key names and context). */
const CONTEXT = 120;

/**
 * The texts made from `entry` by widening one gap: each run of white space within CONTEXT
 * characters before a finding (or inside it), and the point just before the finding, to
 * `length` characters of one blank kind. At most `perFinding` gaps per finding (the nearest).
 */
export function blankVariants(masker: Masker, entry: CorpusEntry, lengths: number[], perFinding = 4): BlankVariant[] {
  const text = entry.text;
  const out: BlankVariant[] = [];
  const seen = new Set<string>();
  for (const f of masker.mask(text).findings) {
    // Gaps as [from, to): runs of white space, nearest to the secret first.
    const gaps: Array<[number, number]> = [[f.start, f.start]];
    const re = /\s+/g;
    re.lastIndex = Math.max(0, f.start - CONTEXT);
    for (let m = re.exec(text); m && m.index < f.end; m = re.exec(text)) gaps.push([m.index, m.index + m[0].length]);
    gaps.sort((a, b) => b[0] - a[0]);
    for (const [from, to] of gaps.slice(0, perFinding)) {
      for (const kind of Object.keys(BLANKS) as BlankKind[]) {
        for (const length of lengths) {
          const key = `${from}:${to}:${kind}:${length}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const run = BLANKS[kind].repeat(length);
          out.push({ id: `${entry.id}@${from}`, type: f.type, kind, length, text: text.slice(0, from) + run + text.slice(to) });
        }
      }
    }
  }
  return out;
}

/** A fixed pseudo-random chunking (1–97 characters), the same for every text. */
export const MIXED_SIZES = Array.from({ length: 61 }, (_, i) => 1 + ((i * 37 + 11) % 97));

export interface Divergence {
  variant: BlankVariant;
  sizes: string;
}

/** The variants whose streamed output differs from whole-text masking, per chunking. */
export function divergences(masker: Masker, variants: BlankVariant[], chunkings: number[][] = [[16], [64], MIXED_SIZES]): Divergence[] {
  const out: Divergence[] = [];
  for (const v of variants) {
    const whole = masker.mask(v.text).text;
    for (const sizes of chunkings) {
      if (streamMasked(masker, v.text, sizes) !== whole) {
        out.push({ variant: v, sizes: sizes.length === 1 ? String(sizes[0]) : 'mixed' });
        break;
      }
    }
  }
  return out;
}
