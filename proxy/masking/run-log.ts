/**
 * The runs of a stream's text between breaks (white space and line breaks), recorded while
 * the carried keyword walk (keyword-carry.ts) reads each new character, so that the
 * named-after holds' RunFacts (detectors/run-facts.ts) learn where the long runs are without
 * reading the characters again: in JavaScript each `charCodeAt` costs ~40 instructions on
 * this V8 (docs/benchmarks.md, jit22), in the WebAssembly walk a break costs a table load.
 * Only runs of MIN_RUN characters or more are kept (neither hold's value is shorter), so a
 * push of prose adds none. Positions are absolute (offsets in the whole stream).
 */

/** What ends a run: ASCII white space (\t \n \v \f \r and the space) and the line breaks U+2028 and U+2029. */
export const isBreak = (c: number): boolean => (c <= 32 ? c === 32 || (c >= 9 && c <= 13) : (c | 1) === 0x2029);

/** The least length of a run kept. */
export const MIN_RUN = 16;

/** Kept runs beyond this many (a reader that stopped reading) are dropped, and the log starts again after them. */
const MAX_RUNS = 4096;

export class RunLog {
  /** Whether a reader uses the log: the walks record runs only then. */
  active = false;
  /** Every break in [from, to) is known (absolute). */
  from = 0;
  to = 0;
  /** Where the run that reaches `to` starts: after the last break before `to`, or `from` when there is none (then it may start earlier). */
  runStart = 0;
  /**
   * The runs of MIN_RUN+ characters ended by a break in [from, to), as (start, break) pairs
   * in order at runs[0, count) (a start of `from`: the run may start earlier). The reader
   * empties it (count = 0).
   */
  runs = new Float64Array(32);
  count = 0;

  /** Starts again at `at`, where a walk begins past `to`: nothing before it is known. */
  restart(at: number): void {
    this.from = this.to = this.runStart = at;
    this.count = 0;
  }

  /**
   * Makes room for `more` runs (a walk's most): when the reader has left too many, they go,
   * and the log knows breaks from the current run's start on only; else the array grows.
   * Returns the array.
   */
  room(more: number): Float64Array {
    const need = this.count + 2 * more;
    if (need <= this.runs.length) return this.runs;
    if (this.count >= 2 * MAX_RUNS) {
      this.count = 0;
      this.from = this.runStart;
      if (2 * more <= this.runs.length) return this.runs;
    }
    const runs = new Float64Array(Math.max(2 * this.runs.length, this.count + 2 * more));
    runs.set(this.runs.subarray(0, this.count));
    return (this.runs = runs);
  }
}
