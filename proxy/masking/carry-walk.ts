/**
 * The carried keyword walk (keyword-carry.ts) as a small WebAssembly function over the new
 * text's UTF-16 units, written here as its bytes (no build step). In JavaScript the walk
 * costs ~45 instructions a character on this V8 (node 20): `charCodeAt` dispatches on the
 * string's representation, and every typed-array load checks the array's map and bounds
 * again at each step; the same loop in WebAssembly needs about a fifth of that. It only
 * walks: it writes, in order, where the walk reached a state with outputs and which state,
 * and keyword-carry.ts turns those records into occurrences exactly as its string walk does.
 *
 * walkRuns is the same walk that also records the runs between breaks of 16 units or more
 * for the stream's run log (run-log.ts), so that the named-after holds need not read the
 * characters again.
 *
 * Memory (one per automaton, shared by every stream: a walk runs to its end before another
 * begins): the record end, the run records' end and the run start reached at 0, 4 and 8, the
 * class of each unit, whether each unit is a break, the hot table (KeywordIndex.delta's rows),
 * the records, the text's units, then the run records.
 */
import { ADD, BLOCK, BR, BR_IF, compiledOnce, ELSE, END, functionBody, GE_U, I32_CONST, I32_LOAD, I32_LOAD16_U, I32_LOAD8_U, I32_STORE, IF, instantiateAll, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, LT_S, moduleOf, SUB, XOR } from './wasm-bytes.js';
import { isBreak, MIN_RUN } from './run-log.js';

/** Characters per call: a longer text is walked in slices, the state carried from one to the next. */
export const CARRY_SLICE = 1 << 13;
/** The class of every UTF-16 unit (0 from 128 on), times 4: one byte each. */
const CLASSES = 64;
/** 1 for each unit that ends a run (run-log.ts's isBreak), else 0: one byte each. */
const BREAKS = CLASSES + 65536;
const TABLE = BREAKS + 65536;
/** Where walkRuns() leaves its run records' end and the run start it reached (byte addresses of two words). */
const RUNS_END = 4;
const RUN_START = 8;


// walk(at, end, s, out): the units at byte addresses [at, end) from state s (hot-table form
// times 4: a byte offset into the table, as the table's entries are); records (byte address
// after the unit, state) for each state with outputs from `out` on, stores the records' end at
// 0 and returns the state reached.
const [AT, AEND, S, OUT] = [0, 1, 2, 3];
const V = 4;

function body(): number[] {
  const c: number[] = [];
  c.push(...BLOCK, ...LOOP);
  c.push(LOCAL_GET, AT, LOCAL_GET, AEND, GE_U, BR_IF, 1);
  // v = table[s + class of the unit] (both in bytes: the state and the class times 4).
  c.push(LOCAL_GET, AT, ...I32_LOAD16_U(), ...I32_LOAD8_U(CLASSES), LOCAL_GET, S, ADD, ...I32_LOAD(TABLE), LOCAL_SET, V);
  c.push(LOCAL_GET, AT, ...I32_CONST(2), ADD, LOCAL_SET, AT);
  c.push(LOCAL_GET, V, ...I32_CONST(0), LT_S, ...IF);
  c.push(LOCAL_GET, V, ...I32_CONST(-1), XOR, LOCAL_SET, S);
  c.push(LOCAL_GET, OUT, LOCAL_GET, AT, ...I32_STORE(0));
  c.push(LOCAL_GET, OUT, LOCAL_GET, S, ...I32_STORE(4));
  c.push(LOCAL_GET, OUT, ...I32_CONST(8), ADD, LOCAL_SET, OUT);
  c.push(ELSE, LOCAL_GET, V, LOCAL_SET, S, END);
  c.push(BR, 0, END, END);
  c.push(...I32_CONST(0), LOCAL_GET, OUT, ...I32_STORE(0));
  c.push(LOCAL_GET, S, END);
  return functionBody(1, c);
}

// walkRuns(at, end, s, out, rs, runs): walk(at, end, s, out), and at each break unit also
// records (rs, its address) from `runs` on when the run before it, from byte address rs, has
// 16 units or more, and moves rs past it; stores the run records' end at RUNS_END and rs at
// RUN_START. (rs may lie before `at`: a run carried in from the slice before.)
const [RS, ROUT] = [4, 5];
const RV = 6;

function bodyRuns(): number[] {
  const c: number[] = [];
  c.push(...BLOCK, ...LOOP);
  c.push(LOCAL_GET, AT, LOCAL_GET, AEND, GE_U, BR_IF, 1);
  c.push(LOCAL_GET, AT, ...I32_LOAD16_U(), LOCAL_TEE, RV, ...I32_LOAD8_U(CLASSES), LOCAL_GET, S, ADD, ...I32_LOAD(TABLE), LOCAL_SET, RV + 1);
  c.push(LOCAL_GET, RV, ...I32_LOAD8_U(BREAKS), ...IF);
  c.push(LOCAL_GET, AT, LOCAL_GET, RS, SUB, ...I32_CONST(2 * MIN_RUN), GE_U, ...IF);
  c.push(LOCAL_GET, ROUT, LOCAL_GET, RS, ...I32_STORE(0));
  c.push(LOCAL_GET, ROUT, LOCAL_GET, AT, ...I32_STORE(4));
  c.push(LOCAL_GET, ROUT, ...I32_CONST(8), ADD, LOCAL_SET, ROUT, END);
  c.push(LOCAL_GET, AT, ...I32_CONST(2), ADD, LOCAL_SET, RS, END);
  c.push(LOCAL_GET, AT, ...I32_CONST(2), ADD, LOCAL_SET, AT);
  c.push(LOCAL_GET, RV + 1, ...I32_CONST(0), LT_S, ...IF);
  c.push(LOCAL_GET, RV + 1, ...I32_CONST(-1), XOR, LOCAL_SET, S);
  c.push(LOCAL_GET, OUT, LOCAL_GET, AT, ...I32_STORE(0));
  c.push(LOCAL_GET, OUT, LOCAL_GET, S, ...I32_STORE(4));
  c.push(LOCAL_GET, OUT, ...I32_CONST(8), ADD, LOCAL_SET, OUT);
  c.push(ELSE, LOCAL_GET, RV + 1, LOCAL_SET, S, END);
  c.push(BR, 0, END, END);
  c.push(...I32_CONST(0), LOCAL_GET, OUT, ...I32_STORE(0));
  c.push(...I32_CONST(0), LOCAL_GET, ROUT, ...I32_STORE(RUNS_END));
  c.push(...I32_CONST(0), LOCAL_GET, RS, ...I32_STORE(RUN_START));
  c.push(LOCAL_GET, S, END);
  return functionBody(2, c);
}

const moduleBytes = () =>
  moduleOf([
    { params: 4, result: true, body: body(), name: 'walk' },
    { params: 6, result: true, body: bodyRuns(), name: 'walkRuns' },
  ]);

/** The compiled module, or null where WebAssembly is not available (the string walk is used). */
const wasmModule = compiledOnce(moduleBytes);

/** One automaton's hot table in WebAssembly memory, with room for CARRY_SLICE units of text, their records and their runs. */
export class CarryWalker {
  private readonly walkFn: (at: number, end: number, s: number, out: number) => number;
  private readonly walkRunsFn: (at: number, end: number, s: number, out: number, rs: number, runs: number) => number;
  /** Where the records, the text's units and the run records lie (byte addresses). */
  readonly out: number;
  readonly text: number;
  readonly runs: number;
  /** Views of the memory: the text area as a Buffer (for `write`), and all of it as words. */
  readonly units: Buffer;
  readonly words: Int32Array;

  private constructor(module: object, table: Int32Array, classes: Int32Array) {
    this.out = TABLE + table.length * 4;
    this.text = this.out + CARRY_SLICE * 8;
    // (A run record takes 17 units, its run and the break, but the first, carried in: n / 17 + 1.)
    this.runs = this.text + CARRY_SLICE * 2;
    const { exports, memory } = instantiateAll(module, this.runs + (CARRY_SLICE / 16 + 2) * 8);
    this.walkFn = exports.walk as CarryWalker['walkFn'];
    this.walkRunsFn = exports.walkRuns as CarryWalker['walkRunsFn'];
    this.units = Buffer.from(memory.buffer, this.text, CARRY_SLICE * 2);
    this.words = new Int32Array(memory.buffer);
    const bytes = new Uint8Array(memory.buffer);
    for (let c = 0; c < 128; c++) bytes[CLASSES + c] = classes[c]! * 4;
    for (let c = 0; c < 65536; c++) if (isBreak(c)) bytes[BREAKS + c] = 1;
    const words = this.words;
    for (let k = 0; k < table.length; k++) {
      const v = table[k]!;
      words[(TABLE >> 2) + k] = v < 0 ? ~(~v * 4) : v * 4;
    }
  }

  /** A walker for the hot table `table` (its rows only) and the 128 ASCII classes; null without WebAssembly. */
  static for(table: Int32Array, classes: Int32Array): CarryWalker | null {
    const m = wasmModule();
    return m === null ? null : new CarryWalker(m, table, classes);
  }

  /** Walks the first `n` units written to `units` from state s (hot-table form); returns the state reached (records from `out` to words[0], their states times 4). */
  walk(n: number, s: number): number {
    return this.walkFn(this.text, this.text + 2 * n, s * 4, this.out) >> 2;
  }

  /**
   * walk(), and the runs: `rs` is where the run that reaches the first unit starts (in units
   * from it, ≤ 0). Records (start, end) byte addresses of every run of 16+ units that a break
   * among the n ends (the end: the break's address; a start before `text`: the run carried
   * in) from `runs` to words[RUNS_END / 4], and leaves the run start reached at
   * words[RUN_START / 4] (before `text`: no break).
   */
  walkRuns(n: number, s: number, rs: number): number {
    // (A run carried in from further back than 16 units is as long as one from 16 back.)
    const at = this.text + 2 * Math.max(rs, -MIN_RUN);
    return this.walkRunsFn(this.text, this.text + 2 * n, s * 4, this.out, at, this.runs) >> 2;
  }
}
/** Where walkRuns() leaves the end of its run records and its run start (word indexes in `words`). */
export const RUNS_END_WORD = RUNS_END >> 2;
export const RUN_START_WORD = RUN_START >> 2;
