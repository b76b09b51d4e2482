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
/** The most runs a walk appends at once: a WebAssembly slice's or a string walk's (a run and its break take MIN_RUN + 1 characters; one more carried in). */
export const WALK_RUNS = 1024;

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
  readonly runs = new Float64Array(2 * (MAX_RUNS + WALK_RUNS));
  count = 0;

  /** Starts again at `at`, where a walk begins past `to`: nothing before it is known. */
  restart(at: number): void {
    this.from = this.to = this.runStart = at;
    this.count = 0;
  }

  /** Makes room for a walk of up to WALK_RUNS runs: when the reader has left too many, they go, and the log knows breaks from the current run's start on only. */
  room(): void {
    if (this.count < 2 * MAX_RUNS) return;
    this.count = 0;
    this.from = this.runStart;
  }
}
