/**
 * Keyword occurrences carried from push to push of one stream (the streaming masker's): each
 * new character is read once by each automaton, and a search from any recent point is
 * answered from the occurrences kept.
 */
import type { Hits, KeywordIndex } from './keywords.js';

/**
 * One stream's keyword occurrences, for one automaton: the automaton's state is carried from
 * push to push, so each character is read once; a search from any point of the recent text
 * is answered from the occurrences kept, exactly as a fresh scan from that point would be.
 */
class CarriedKeywords {
  private state = 0;
  /** Absolute position read up to. */
  private to = 0;
  /** Absolute position the reading began at: occurrences are complete from here on. */
  private valid = 0;
  private ids = new Int32Array(64);
  /** Absolute starts, in order of where the occurrences end. */
  private starts = new Float64Array(64);
  private head = 0;
  private length = 0;
  private readonly sink = (id: number, start: number) => {
    if (this.length === this.ids.length) this.grow();
    this.ids[this.length] = id;
    this.starts[this.length++] = start + this.offset;
  };
  private offset = 0;

  constructor(private readonly index: KeywordIndex) {}

  /** Makes room at the end: the live occurrences move to the front (in place while they fill at most half), or into arrays twice the size. */
  private grow(): void {
    const live = this.length - this.head;
    if (live * 2 <= this.ids.length) {
      this.ids.copyWithin(0, this.head, this.length);
      this.starts.copyWithin(0, this.head, this.length);
      this.head = 0;
      this.length = live;
      return;
    }
    const size = this.ids.length * 2;
    const ids = new Int32Array(size);
    ids.set(this.ids.subarray(this.head, this.length));
    const starts = new Float64Array(size);
    starts.set(this.starts.subarray(this.head, this.length));
    this.ids = ids;
    this.starts = starts;
    this.head = 0;
    this.length = live;
  }

  /**
   * What index.scan(text, present, from, text.length, hits) marks and records, for `text`
   * starting at absolute offset `base` and extending what was read before; returns the
   * state that scan would end in.
   */
  scan(text: string, base: number, present: Uint8Array, from: number, hits: Hits | undefined): number {
    const lo = base + from;
    // Start reading at the search's start when what was read does not reach it (nothing before
    // it is needed now), or when the search starts before what was read (read again from there).
    if (this.to < lo || lo < this.valid || this.to > base + text.length) {
      this.state = 0;
      this.to = this.valid = lo;
      this.head = this.length = 0;
    }
    this.offset = base;
    this.state = this.index.scanStep(text, this.to - base, text.length, this.state, this.sink);
    this.to = base + text.length;
    // Occurrences that start before the text can never be asked for again.
    while (this.head < this.length && this.starts[this.head]! < base) this.head++;
    const ids = this.ids;
    const starts = this.starts;
    const lengths = this.index.lengths;
    // Occurrences come in order of where they end, and one that ends before `lo` starts before
    // it: find the first that ends at or after `lo` by bisection, so a search from a recent
    // point costs what lies after that point, not the whole buffer.
    let a = this.head;
    let b = this.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (starts[m]! + lengths[ids[m]!]! < lo) a = m + 1;
      else b = m;
    }
    // mark() for each, written out with the loop's bounds and the hit list's fields in locals
    // (a call in the loop made V8 load them again at every step).
    const n = this.length;
    if (hits === undefined) {
      for (let k = a; k < n; k++) if (starts[k]! >= lo) present[ids[k]!] = 1;
    } else {
      const wanted = hits.wanted;
      const seen = hits.seen;
      let seenCount = hits.seenCount;
      for (let k = a; k < n; k++) {
        const at = starts[k]!;
        if (at < lo) continue;
        const id = ids[k]!;
        if (present[id] === 0) {
          present[id] = 1;
          seen[seenCount++] = id;
        }
        if (wanted[id] !== 0) hits.add(id, at - base);
      }
      hits.seenCount = seenCount;
    }
    return this.index.within(this.state, text.length - from);
  }
}

/** The carried keyword scans of one stream, one per automaton; `base` is where the stream's current text starts. */
export class KeywordCarry {
  base = 0;
  private readonly byIndex = new Map<KeywordIndex, CarriedKeywords>();

  scan(index: KeywordIndex, text: string, present: Uint8Array, from: number, hits?: Hits): number {
    let c = this.byIndex.get(index);
    if (!c) this.byIndex.set(index, (c = new CarriedKeywords(index)));
    return c.scan(text, this.base, present, from, hits);
  }
}
