/**
 * The carried keyword walk (keyword-carry.ts) as a small WebAssembly function over the new
 * text's UTF-16 units, written here as its bytes (no build step). In JavaScript the walk
 * costs ~45 instructions a character on this V8 (node 20): `charCodeAt` dispatches on the
 * string's representation, and every typed-array load checks the array's map and bounds
 * again at each step; the same loop in WebAssembly needs about a fifth of that. It only
 * walks: it writes, in order, where the walk reached a state with outputs and which state,
 * and keyword-carry.ts turns those records into occurrences exactly as its string walk does.
 *
 * Memory (one per automaton, shared by every stream: a walk runs to its end before another
 * begins): the record end at 0, the class of each ASCII character, the hot table
 * (KeywordIndex.delta's rows), the records, then the text's units.
 */

/** Characters per call: a longer text is walked in slices, the state carried from one to the next. */
export const CARRY_SLICE = 1 << 13;
/** The class of every UTF-16 unit (0 from 128 on), times 4: one byte each. */
const CLASSES = 64;
const TABLE = CLASSES + 65536;
const PAGE = 65536;

// Opcodes used below.
const I32 = 0x7f;
const [LOCAL_GET, LOCAL_SET] = [0x20, 0x21];
const I32_LOAD = (offset: number) => [0x28, 2, ...uleb(offset)];
const I32_LOAD16_U = [0x2f, 1, 0];
const I32_LOAD8_U = (offset: number) => [0x2d, 0, ...uleb(offset)];
const I32_STORE = (offset: number) => [0x36, 2, ...uleb(offset)];
const I32_CONST = (v: number) => [0x41, ...sleb(v)];
const [ADD, XOR, LT_S, GE_U] = [0x6a, 0x73, 0x48, 0x4f];
const [BLOCK, LOOP, IF] = [
  [0x02, 0x40],
  [0x03, 0x40],
  [0x04, 0x40],
];
const [ELSE, END, BR, BR_IF] = [0x05, 0x0b, 0x0c, 0x0d];

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

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
  c.push(LOCAL_GET, AT, ...I32_LOAD16_U, ...I32_LOAD8_U(CLASSES), LOCAL_GET, S, ADD, ...I32_LOAD(TABLE), LOCAL_SET, V);
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
  const locals = [1, 1, I32];
  return [...uleb(locals.length + c.length), ...locals, ...c];
}

function moduleBytes(): Uint8Array {
  const type = [1, 0x60, 4, I32, I32, I32, I32, 1, I32];
  const imports = [1, ...name('m'), ...name('mem'), 0x02, 0x00, 0x01];
  const funcs = [1, 0];
  const exports = [1, ...name('walk'), 0x00, 0];
  const code = [1, ...body()];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, type), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code)]);
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => { readonly buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly is not available (the string walk is used). */
function wasmModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(moduleBytes()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** One automaton's hot table in WebAssembly memory, with room for CARRY_SLICE units of text and their records. */
export class CarryWalker {
  private readonly walkFn: (at: number, end: number, s: number, out: number) => number;
  /** Where the records and the text's units lie (byte addresses). */
  readonly out: number;
  readonly text: number;
  /** Views of the memory: the text area as a Buffer (for `write`), and all of it as words. */
  readonly units: Buffer;
  readonly words: Int32Array;

  private constructor(module: object, table: Int32Array, classes: Int32Array) {
    this.out = TABLE + table.length * 4;
    this.text = this.out + CARRY_SLICE * 8;
    const memory = new wasm!.Memory({ initial: Math.ceil((this.text + CARRY_SLICE * 2) / PAGE) });
    const instance = new wasm!.Instance(module, { m: { mem: memory } });
    this.walkFn = instance.exports.walk as CarryWalker['walkFn'];
    this.units = Buffer.from(memory.buffer, this.text, CARRY_SLICE * 2);
    this.words = new Int32Array(memory.buffer);
    const bytes = new Uint8Array(memory.buffer);
    for (let c = 0; c < 128; c++) bytes[CLASSES + c] = classes[c]! * 4;
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
}
