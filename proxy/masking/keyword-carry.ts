/**
 * Keyword occurrences carried from push to push of one stream (the streaming masker's): each
 * new character is read once by each automaton, and a search from any recent point is
 * answered from the occurrences kept. The first automaton to read a new character also
 * records the stream's runs between breaks (run-log.ts) while a reader uses them.
 */
import { CARRY_SLICE, CarryWalker, RUN_START_WORD, RUNS_END_WORD } from './carry-walk.js';
import type { Hits, KeywordIndex } from './keywords.js';
import { isBreak, MIN_RUN, RunLog } from './run-log.js';

/** Characters below this have a class of their own in the hot table; every other is class 0 (as in KeywordIndex). */
const ALPHA = 128;

/** New stretches at least this long are read with the WebAssembly walk (shorter: the string walk, cheaper than the copy and the call). */
export const WASM_FROM = 32;

/** WebAssembly walkers by automaton (null: none, the string walk is used), shared by every stream. */
const walkers = new WeakMap<KeywordIndex, CarryWalker | null>();

function walkerFor(index: KeywordIndex): CarryWalker | null {
  let w = walkers.get(index);
  if (w === undefined) walkers.set(index, (w = CarryWalker.for(index.delta.subarray(0, index.classesAt), index.delta.subarray(index.classesAt))));
  return w;
}

/** Relative positions are moved back to a nearer origin before they reach this (Int32 room). */
const REBASE_AT = 2 ** 30;

/**
 * One stream's keyword occurrences, for one automaton: the automaton's state is carried from
 * push to push, so each character is read once; a search from any point of the recent text
 * is answered from the occurrences kept, exactly as a fresh scan from that point would be.
 */
class CarriedKeywords {
  /** The automaton's state at `to`, in hot-table form (KeywordIndex.delta). */
  private state = 0;
  /** Absolute position read up to. */
  private to = 0;
  /** Absolute position the reading began at: occurrences are complete from here on. */
  private valid = 0;
  /**
   * The occurrences as (keyword id, start, end) triples in order of where they end, the live
   * ones at occ[head, count); positions relative to `origin` (absolute), so they stay Int32
   * however long the stream: one array, read without conversions.
   */
  private occ = new Int32Array(192);
  private origin = 0;
  private head = 0;
  private count = 0;
  /** The automaton's WebAssembly walker (null: none), looked up at the first long stretch (a WeakMap lookup per push cost ~265 instructions). */
  private walker: CarryWalker | null | undefined = undefined;
  /**
   * The last search's start (relative; −1: none since occ last changed) and the first
   * occurrence it looked at: the stream's searches of one push mostly start at one point
   * (the near search and its hold search), and one that starts at or before it continues
   * from there instead of from the end.
   */
  private markedAt = -1;
  private markedFrom = 0;

  constructor(
    private readonly index: KeywordIndex,
    private readonly rebaseAt: number,
    private readonly log: RunLog,
  ) {}

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
      this.head = this.count = 0;
      this.origin = base;
      this.markedAt = -1;
    } else if (base - this.origin >= this.rebaseAt) this.rebase(base);
    if (this.to < base + text.length) this.read(text, base);
    const rlo = lo - this.origin;
    // Only occurrences that end after rlo can start at or after it; the last one ends last.
    if (this.count > this.head && this.occ[this.count - 1]! > rlo) this.mark(rlo, base - this.origin, present, hits);
    return this.index.within(this.state, text.length - from);
  }

  /**
   * Reads text[to − base, end) on from the carried state and appends its occurrences: from
   * WASM_FROM new characters on with the WebAssembly walk (carry-walk.ts), else with the
   * string walk below. Both give the same states and occurrences. When the stream's run log
   * is in use, the part of the stretch past what it knows is read by the walks that also
   * record runs (the stream's first automaton to read new text records them; the others read
   * it again without).
   */
  private read(text: string, base: number): void {
    const shift = base - this.origin;
    this.markedAt = -1;
    // Occurrences that start before the text can never be asked for again.
    const occ = this.occ;
    let h = this.head;
    while (h < this.count && occ[h + 1]! < shift) h += 3;
    this.head = h;
    const from = this.to - base;
    const end = text.length;
    const log = this.log;
    // [from, mid) is read without recording runs, [mid, end) with.
    let mid = end;
    if (log.active) {
      if (log.to < this.to) log.restart(this.to);
      mid = Math.max(from, Math.min(end, log.to - base));
    }
    let s = this.state;
    if (mid > from) {
      const walker = mid - from >= WASM_FROM ? this.wasm() : null;
      s = walker === null ? this.walkString(text, from, mid, shift, s) : this.walkWasm(walker, text, from, mid, shift, s);
    }
    if (mid < end) {
      const walker = end - mid >= WASM_FROM ? this.wasm() : null;
      s = walker === null ? this.walkStringRuns(text, mid, end, shift, s, log, base) : this.walkWasmRuns(walker, text, mid, end, shift, s, log, base);
      log.to = base + end;
    }
    this.state = s;
    this.to = base + end;
  }

  /** The automaton's WebAssembly walker (null: none), looked up once. */
  private wasm(): CarryWalker | null {
    return this.walker === undefined ? (this.walker = walkerFor(this.index)) : this.walker;
  }

  /**
   * The string walk from state s. The character loop has no call in it (an occurrence leaves
   * it), so V8 keeps its registers; returns the state reached.
   */
  private walkString(text: string, from: number, end: number, shift: number, s: number): number {
    const t = this.index.delta;
    const classes = this.index.classesAt;
    let i = from;
    while (i < end) {
      let v = 0;
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        // The character's class from the copy of cls after the rows, and 0 (no keyword has
        // it) from c ≥ 128 on, without a branch: (c − 128) >> 31 is all ones below 128, else
        // zero. Both loads from one array: V8 checks it once per character (a branch, or two
        // arrays, made it check both loads at every step).
        v = t[s + (t[classes + (c & 127)]! & ((c - ALPHA) >> 31))]!;
        if (v < 0) break;
        s = v;
      }
      if (i === end) break;
      s = ~v;
      i++;
      this.found(s, i + shift);
    }
    return s;
  }

  /** walkString(), recording in `log` the runs its breaks end (text[from] is at absolute base + from = log.to). */
  private walkStringRuns(text: string, from: number, end: number, shift: number, s: number, log: RunLog, base: number): number {
    const t = this.index.delta;
    const classes = this.index.classesAt;
    // (A run and its break take MIN_RUN + 1 characters; one more run may be carried in.)
    const runs = log.room(Math.floor((end - from) / (MIN_RUN + 1)) + 1);
    let n = log.count;
    let rs = log.runStart - base;
    let i = from;
    while (i < end) {
      let v = 0;
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        if (isBreak(c)) {
          if (i - rs >= MIN_RUN) {
            runs[n] = base + rs;
            runs[n + 1] = base + i;
            n += 2;
          }
          rs = i + 1;
        }
        v = t[s + (t[classes + (c & 127)]! & ((c - ALPHA) >> 31))]!;
        if (v < 0) break;
        s = v;
      }
      if (i === end) break;
      s = ~v;
      i++;
      this.found(s, i + shift);
    }
    log.count = n;
    log.runStart = base + rs;
    return s;
  }

  /** The WebAssembly walk from state s, in slices of CARRY_SLICE characters; returns the state reached. */
  private walkWasm(walker: CarryWalker, text: string, from: number, end: number, shift: number, s: number): number {
    const words = walker.words;
    const first = walker.out >> 2;
    for (let i = from; i < end; i += CARRY_SLICE) {
      const n = Math.min(CARRY_SLICE, end - i);
      walker.units.write(text.substring(i, i + n), 0, 'utf16le');
      s = walker.walk(n, s);
      const last = words[0]! >> 2;
      for (let r = first; r < last; r += 2) this.found(words[r + 1]! >> 2, i + ((words[r]! - walker.text) >> 1) + shift);
    }
    return s;
  }

  /** walkWasm(), recording in `log` the runs its breaks end (text[from] is at absolute base + from = log.to). */
  private walkWasmRuns(walker: CarryWalker, text: string, from: number, end: number, shift: number, s: number, log: RunLog, base: number): number {
    const words = walker.words;
    const first = walker.out >> 2;
    const unit0 = walker.text;
    for (let i = from; i < end; i += CARRY_SLICE) {
      const n = Math.min(CARRY_SLICE, end - i);
      walker.units.write(text.substring(i, i + n), 0, 'utf16le');
      const at = base + i;
      const carried = log.runStart;
      s = walker.walkRuns(n, s, carried - at);
      const last = words[0]! >> 2;
      for (let r = first; r < last; r += 2) this.found(words[r + 1]! >> 2, i + ((words[r]! - unit0) >> 1) + shift);
      // Byte addresses to absolute positions; a start before the slice is the run carried in.
      const lastRun = words[RUNS_END_WORD]! >> 2;
      if (lastRun > walker.runs >> 2) {
        const runs = log.room((lastRun - (walker.runs >> 2)) >> 1);
        let c = log.count;
        for (let r = walker.runs >> 2; r < lastRun; r += 2) {
          const a = words[r]!;
          runs[c] = a < unit0 ? carried : at + ((a - unit0) >> 1);
          runs[c + 1] = at + ((words[r + 1]! - unit0) >> 1);
          c += 2;
        }
        log.count = c;
      }
      const rs = words[RUN_START_WORD]!;
      if (rs >= unit0) log.runStart = at + ((rs - unit0) >> 1);
    }
    return s;
  }

  /** Appends the occurrences that end at `at` (relative), the walk having reached state s (hot-table form). */
  private found(s: number, at: number): void {
    const o = this.index.outputs[s / this.index.width]!;
    if (this.count + 3 * o.length > this.occ.length) this.grow(3 * o.length);
    const occ = this.occ;
    const lengths = this.index.lengths;
    let n = this.count;
    for (let k = 0; k < o.length; k++) {
      const id = o[k]!;
      occ[n] = id;
      occ[n + 1] = at - lengths[id]!;
      occ[n + 2] = at;
      n += 3;
    }
    this.count = n;
  }

  /**
   * mark() for each occurrence that starts at or after `rlo` (relative), written out with the
   * hit list's fields in locals (a call in the loop made V8 load them again at every step).
   */
  private mark(rlo: number, shift: number, present: Uint8Array, hits: Hits | undefined): void {
    const occ = this.occ;
    // Occurrences come in order of where they end, and one that ends at or before `rlo` starts
    // before it: the first to mark is after the last of those, found from the end (a search
    // from a recent point costs what lies after that point, which it marks anyway).
    // (From the last search's first when this one starts at or before it: every occurrence
    // after that ends after rlo too.)
    const head = this.head;
    let a = rlo <= this.markedAt ? this.markedFrom : this.count;
    while (a > head && occ[a - 1]! > rlo) a -= 3;
    this.markedAt = rlo;
    this.markedFrom = a;
    const n = this.count;
    if (hits === undefined) {
      for (let k = a; k < n; k += 3) if (occ[k + 1]! >= rlo) present[occ[k]!] = 1;
      return;
    }
    const wanted = hits.wanted;
    const seen = hits.seen;
    let seenCount = hits.seenCount;
    for (let k = a; k < n; k += 3) {
      const at = occ[k + 1]!;
      if (at < rlo) continue;
      const id = occ[k]!;
      if (present[id] === 0) {
        present[id] = 1;
        seen[seenCount++] = id;
      }
      if (wanted[id] !== 0) hits.add(id, at - shift);
    }
    hits.seenCount = seenCount;
  }

  /** Makes room for `more` entries at the end: the live occurrences move to the front (in place while they fill at most half), or into an array twice the size. */
  private grow(more: number): void {
    const live = this.count - this.head;
    if ((live + more) * 2 <= this.occ.length) this.occ.copyWithin(0, this.head, this.count);
    else {
      let size = this.occ.length * 2;
      while (size < (live + more) * 2) size *= 2;
      const occ = new Int32Array(size);
      occ.set(this.occ.subarray(this.head, this.count));
      this.occ = occ;
    }
    this.head = 0;
    this.count = live;
  }

  /** Moves the origin to `base`: every kept start and end become relative to it. */
  private rebase(base: number): void {
    const d = base - this.origin;
    this.markedAt = -1;
    for (let k = this.head; k < this.count; k += 3) {
      this.occ[k + 1]! -= d;
      this.occ[k + 2]! -= d;
    }
    this.origin = base;
  }
}

/** The carried keyword scans of one stream, one per automaton; `base` is where the stream's current text starts. */
export class KeywordCarry {
  base = 0;
  /** The runs of the stream's text, recorded by the first of its automata to read each new character (run-log.ts; while a reader uses it). */
  readonly runs = new RunLog();
  private readonly byIndex = new Map<KeywordIndex, CarriedKeywords>();
  /** The automaton of the last call and its scans (a stream's plans share one automaton: no map lookup per call). */
  private lastIndex: KeywordIndex | null = null;
  private last: CarriedKeywords | null = null;

  /** `rebaseAt`: how far positions may run from their origin before they are moved back (tests make it small). */
  constructor(private readonly rebaseAt = REBASE_AT) {}

  scan(index: KeywordIndex, text: string, present: Uint8Array, from: number, hits?: Hits): number {
    let c = this.last;
    if (index !== this.lastIndex || c === null) {
      c = this.byIndex.get(index) ?? null;
      if (c === null) this.byIndex.set(index, (c = new CarriedKeywords(index, this.rebaseAt, this.runs)));
      this.lastIndex = index;
      this.last = c;
    }
    return c.scan(text, this.base, present, from, hits);
  }
}
