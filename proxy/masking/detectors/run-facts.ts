/**
 * What the named-after holds (named-after.ts) need to know about a stream's text before
 * they search it, kept up to date push by push: each call reads only the text that arrived
 * since the last one (and the start of the word it continues), instead of every push
 * re-reading the held text. Positions are absolute (offsets in the whole stream): the
 * stream keeps only a window of its text, and `base` is the absolute offset of the window's
 * first character. The text only ever grows at its end (and loses characters at its start).
 *
 * Both holds need a value of 16+ characters without white space: the prose hold one that
 * starts in the held text and ends at a blank or at the text's end, the own-line hold one
 * that starts at a line start in it. These facts say where the latest such value could be,
 * so that a push without one is answered without a search (the holds' answers are the same:
 * a property test in test/unit/masking-stream-holds.test.ts).
 *
 * In a stream the runs come from its run log (run-log.ts), which the carried keyword walk
 * writes as it reads each new character (in WebAssembly for 32 or more): read() then reads
 * no character but those of the runs of 16+ it looks at closely, and gives the facts that
 * reading the text gives (test/unit/masking-run-log.test.ts).
 */

import { isBreak, RunLog } from '../run-log.js';
import { isLineBreak } from '../white-space.js';

/** ASCII white space (what hasLongRun() counts): \t \n \v \f \r and the space. */
const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
/** A blank: the space or a tab. */
export const isBlank = (c: number) => c === 32 || c === 9;
/** The characters of a bare prose value: [A-Za-z0-9_\-+/=]. */
export const isValueChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 43 || c === 47 || c === 61;
/** The characters of the own-line value: [A-Za-z0-9_\-+/=.~]. */
export const isOwnLineChar = (c: number) => isValueChar(c) || c === 46 || c === 126;

/** The least length of a value: quoted in prose, or alone on its line; and bare in prose. */
export const MIN_VALUE = 16;
const BARE_VALUE = 24;

/**
 * Where the latest values the two holds could take are. Both values are 16+ characters
 * without ASCII white space, so only runs of 16+ such characters are looked at closely, and
 * those are found by reading each 16-character window from its end (as hasLongRun() does):
 * in prose, a few characters per word are read.
 */
export class RunFacts {
  /** Read up to here (absolute). */
  scanned: number;
  /** Where the run without white space or line breaks (isBreak) that reaches `scanned` starts. */
  runStart: number;
  /**
   * The latest blank-run start a prose value may end at (the run before it is `"…"` with
   * 16+ characters between the quotes, or ends in 24+ bare value characters), and where
   * that value starts (-1: none).
   */
  lastEnd = -1;
  lastStart = -1;
  /** The latest line start followed by 16 characters an own-line value may have (-1: none; a run reaching the end counts once it has 16). */
  lastLine = -1;

  /**
   * `log`: the stream's run log (run-log.ts), written by its carried keyword walk before the
   * holds run. Where it knows the breaks read() would look for, read() takes the runs from
   * it instead of reading characters.
   */
  constructor(
    base: number,
    private readonly log: RunLog | null = null,
  ) {
    this.scanned = base;
    this.runStart = base;
    if (log) log.active = true;
  }

  /**
   * Reads text[scanned - base, text.length) (and the end of the run that reached `scanned`).
   * `need` (absolute): no later question is about a value that ends, or a line that starts,
   * before it (the holds look back at most a fixed window from the end, and the end only
   * grows), so text before the run that contains `need` is skipped: a large push is read
   * only in its last window. Starting from a run's start reads the runs after it as reading
   * from any earlier point does (every window is read from its end, and a break rules out
   * every window that starts at or before it).
   */
  read(text: string, base: number, need = 0): void {
    // (Positions in text, not absolute, inside: one subtraction less at each character read.)
    const end = text.length;
    if (base + end === this.scanned) return; // (read already: the other hold's call)
    const log = this.log;
    if (log !== null) {
      // Every break from the run that reaches `scanned` to the end known: the runs from the log.
      if (log.to === base + end && log.from <= this.runStart) this.readLog(text, base, need, log);
      else {
        // Read from the text (the first read, or after the carry began past what the log knew):
        // the log goes on from what this read found, the run reaching the end (no break after
        // its start), so the next push's is read from the log.
        this.readText(text, base, need);
        log.from = log.runStart = this.runStart;
        log.to = this.scanned;
      }
      log.count = 0;
    } else this.readText(text, base, need);
  }

  /** read() from the characters. */
  private readText(text: string, base: number, need: number): void {
    const end = text.length;
    let p = Math.max(this.runStart - base, 0);
    // [p, clean) is known to have no white space.
    let clean = Math.max(p, this.scanned - base);
    const at = need - base;
    if (at > clean + MIN_VALUE) {
      // The start of the run that contains `need`, found from `need` back: a break after
      // `scanned` starts it; none: [scanned, need) has no break (the run reaching `scanned`
      // goes on).
      let r = Math.min(at, end);
      while (r > clean && !isBreak(text.charCodeAt(r - 1))) r--;
      if (r > clean) p = r;
      clean = r > clean ? r : Math.min(at, end);
    }
    while (p + MIN_VALUE <= end) {
      let j = p + MIN_VALUE - 1;
      while (j >= clean && !isBreak(text.charCodeAt(j))) j--;
      if (j >= clean) {
        p = j + 1;
        clean = p;
        continue;
      }
      // A run of 16+ starts at p: where does it end?
      let k = Math.max(p + MIN_VALUE, clean);
      while (k < end && !isBreak(text.charCodeAt(k))) k++;
      this.runFound(text, base, p);
      if (k === end) {
        this.runStart = base + p;
        this.scanned = base + end;
        return;
      }
      if (isBlank(text.charCodeAt(k))) {
        const start = proseValueStart(text, base, base + k);
        if (start >= 0) {
          this.lastEnd = base + k;
          this.lastStart = start;
        }
      }
      p = k + 1;
      clean = p;
    }
    // The run reaching the end is shorter than 16: where it starts.
    let j = end - 1;
    while (j >= clean && !isBreak(text.charCodeAt(j))) j--;
    this.runStart = base + (j >= clean ? j + 1 : p);
    this.scanned = base + end;
  }

  /**
   * read() from the runs the log recorded: the same facts as readText() (the same runs, from
   * the same place on). readText() skips to the run that holds `need` when `need` is more than
   * MIN_VALUE past what was read, and starts a run no earlier than the text does.
   */
  private readLog(text: string, base: number, need: number, log: RunLog): void {
    const end = base + text.length;
    const clean = Math.max(this.scanned, base);
    // The runs ended by a break at or after `from`: readText() looks at those.
    const from = need > clean + MIN_VALUE ? Math.min(need, end) : clean;
    const runs = log.runs;
    const n = log.count;
    for (let r = 0; r < n; r += 2) {
      const k = runs[r + 1]!;
      if (k < from) continue;
      const p = Math.max(runs[r]!, base);
      if (k - p < MIN_VALUE) continue;
      this.runFound(text, base, p - base);
      if (isBlank(text.charCodeAt(k - base))) {
        const start = proseValueStart(text, base, k);
        if (start >= 0) {
          this.lastEnd = k;
          this.lastStart = start;
        }
      }
    }
    const p = Math.max(log.runStart, base);
    if (end - p >= MIN_VALUE) this.runFound(text, base, p - base);
    this.runStart = p;
    this.scanned = end;
  }

  /** A run of 16+ starts at text[p]: an own-line value's place when it starts a line with 16 of its characters. */
  private runFound(text: string, base: number, p: number): void {
    if (this.lastLine < base + p && (base + p === 0 || isLineBreak(text.charCodeAt(p - 1))) && ownLineRun(text, p)) this.lastLine = base + p;
  }

  /**
   * Whether holdProseValue() may find a value starting at or after `from` that ends at the
   * end of `text` (read up to its end) or at a blank-run start at or after `lo` (all
   * absolute). False: it finds none.
   * (Two values cannot overlap, so when the latest one starts before `from`, every earlier
   * one does too.)
   */
  mayHoldProse(text: string, base: number, from: number, lo: number): boolean {
    if (this.scanned - Math.max(this.runStart, from) >= MIN_VALUE && proseValueStart(text, base, this.scanned) >= from) return true;
    return this.lastEnd >= lo && this.lastStart >= from;
  }

  /** Whether holdOwnLineValue() may find a value at a line start at or after `lo` (absolute). False: it finds none. */
  mayHoldOwnLine(lo: number): boolean {
    return this.lastLine >= lo;
  }
}

/** Whether text[at, at + 16) are all characters an own-line value may have. */
function ownLineRun(text: string, at: number): boolean {
  for (let i = at; i < at + MIN_VALUE; i++) if (!isOwnLineChar(text.charCodeAt(i))) return false;
  return true;
}

/**
 * The start (absolute) of a prose value that may end at q (a quoted one of 16+ characters,
 * or 24+ bare value characters), or -1; the characters before q have no ASCII white space.
 */
function proseValueStart(text: string, base: number, q: number): number {
  let j = q - base - 1;
  if (text.charCodeAt(j) === 34) {
    const close = j;
    j--;
    while (j >= 0 && text.charCodeAt(j) !== 34 && !isAsciiSpace(text.charCodeAt(j))) j--;
    return j >= 0 && text.charCodeAt(j) === 34 && close - j - 1 >= MIN_VALUE ? base + j + 1 : -1;
  }
  while (j >= 0 && q - base - j <= 401 && isValueChar(text.charCodeAt(j))) j--;
  return q - base - (j + 1) >= BARE_VALUE ? base + j + 1 : -1;
}
