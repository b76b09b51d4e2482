/**
 * The first occurrence of one character at or after a point of a stream's text, remembered
 * from push to push. The streaming masker asks at each push where the first `<` at or after
 * a point is, and whether it lies before another point (StreamingMasker.farFrom); both
 * points move forward with the stream. With the answer kept, a push whose question lies in
 * text already searched is answered without a search, and otherwise only the text after the
 * last search is read (an indexOf call is most of its cost per call: ~225 instructions on a
 * two-byte string, against a few for the comparison).
 *
 * Positions are absolute (offsets in the whole stream); the text only grows at its end and
 * loses characters at its start, never one at or after a point asked about.
 */
export class CharSeek {
  /** `at` is the first occurrence at or after `lo`, or -1 when there is none in [lo, to). */
  private lo = 0;
  private at = -1;
  private to = 0;

  constructor(readonly char: string) {}

  /**
   * The first occurrence at or after `from` when it is before `before`, else -1 (all
   * absolute; text[0] is at `base`, and `from` is in the text or at its end).
   */
  find(text: string, base: number, from: number, before: number): number {
    if (from >= this.lo) {
      if (this.at >= from) return this.at < before ? this.at : -1;
      if (this.at < 0) {
        // None in [from, to): read on from `to` only when the question goes past it.
        if (before <= this.to) return -1;
        const q = text.indexOf(this.char, Math.max(from, this.to) - base);
        this.lo = from;
        this.at = q < 0 ? -1 : base + q;
        this.to = base + text.length;
        return this.at >= 0 && this.at < before ? this.at : -1;
      }
    }
    const q = text.indexOf(this.char, from - base);
    this.lo = from;
    this.at = q < 0 ? -1 : base + q;
    this.to = base + text.length;
    return this.at >= 0 && this.at < before ? this.at : -1;
  }
}
