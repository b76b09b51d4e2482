/**
 * walk4 of byte-scan.ts (four interleaved automaton walks over a text's UTF-8 bytes) as a
 * small WebAssembly function, written here as its bytes (no build step). The JavaScript loop
 * costs ~40 instructions per byte (bounds and type checks on every typed-array load,
 * registers spilled for the four walks); the same loop in WebAssembly needs a fraction of
 * that. It only walks: it writes, in loop order, where a walk reached a state with outputs
 * and which state, and byte-scan.ts turns those records into hits exactly as walk4 does.
 *
 * Memory (one per automaton table): the byte table at 0, four walk states, the record area
 * (a fixed number of loop steps' worth; longer texts are walked in slices, the states
 * carried from one slice to the next), then the text's bytes.
 */
import { ADD, BLOCK, BR, BR_IF, compiledOnce, END, functionBody, GE_U, I32_CONST, I32_LOAD, I32_LOAD8_U, I32_STORE, IF, instantiate, LOCAL_GET, LOCAL_SET, LOOP, LT_S, OR, PAGE, SHL, walkModule, XOR, type WasmMemory } from './wasm-bytes.js';

/** Loop steps per call: each can write four records of 8 bytes. */
export const SLICE = 1 << 15;
const RECORDS = SLICE * 4 * 8;
/**
 * Texts whose UTF-8 copy may need more than this are walked in JavaScript: WebAssembly memory
 * never shrinks, so this bounds what is kept for good (as Utf8Scratch keeps at most 4 MB).
 */
export const MAX_BYTES = 4 * 1024 * 1024;


// Parameters: byte positions in memory of the text slice each walk starts at (w0..w3, already
// advanced to this slice), the steps to take, where the four states are kept, where records go.
// Returns the records' end.
const [W0, W1, W2, W3, STEPS, STATES, OUT] = [0, 1, 2, 3, 4, 5, 6];
// Locals.
const [I, S0, S1, S2, S3, V0, V1, V2, V3, P] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

function body(): number[] {
  const c: number[] = [];
  const walks = [
    [W0, S0, V0],
    [W1, S1, V1],
    [W2, S2, V2],
    [W3, S3, V3],
  ] as const;
  // States in.
  walks.forEach(([, s], k) => c.push(LOCAL_GET, STATES, ...I32_LOAD(k * 4), LOCAL_SET, s));
  c.push(LOCAL_GET, OUT, LOCAL_SET, P);
  c.push(...BLOCK, ...LOOP);
  c.push(LOCAL_GET, I, LOCAL_GET, STEPS, GE_U, BR_IF, 1);
  // v = table[s + byte] (the table holds state × 256, so the index is a byte offset / 4).
  for (const [w, s, v] of walks) c.push(LOCAL_GET, s, LOCAL_GET, w, LOCAL_GET, I, ADD, ...I32_LOAD8_U(), ADD, ...I32_CONST(2), SHL, ...I32_LOAD(), LOCAL_SET, v);
  c.push(LOCAL_GET, V0, LOCAL_GET, V1, OR, LOCAL_GET, V2, OR, LOCAL_GET, V3, OR, ...I32_CONST(0), LT_S, ...IF);
  walks.forEach(([, , v], k) => {
    // A state with outputs: record (step, state | walk << 28), and go on in the state itself.
    c.push(LOCAL_GET, v, ...I32_CONST(0), LT_S, ...IF);
    c.push(LOCAL_GET, v, ...I32_CONST(-1), XOR, LOCAL_SET, v);
    c.push(LOCAL_GET, P, LOCAL_GET, I, ...I32_STORE(0));
    c.push(LOCAL_GET, P, LOCAL_GET, v, ...I32_CONST(k << 28), OR, ...I32_STORE(4));
    c.push(LOCAL_GET, P, ...I32_CONST(8), ADD, LOCAL_SET, P, END);
  });
  c.push(END);
  for (const [, s, v] of walks) c.push(LOCAL_GET, v, LOCAL_SET, s);
  c.push(LOCAL_GET, I, ...I32_CONST(1), ADD, LOCAL_SET, I, BR, 0, END, END);
  // States out.
  walks.forEach(([, s], k) => c.push(LOCAL_GET, STATES, LOCAL_GET, s, ...I32_STORE(k * 4)));
  c.push(LOCAL_GET, P, END);
  return functionBody(10, c);
}

const moduleBytes = () => walkModule(7, body());

/** The compiled module, or null where WebAssembly is not available (the JavaScript walk is used). */
const wasmModule = compiledOnce(moduleBytes);

/** One automaton table in WebAssembly memory, with room for a text's bytes. */
export class WasmWalker {
  private readonly memory: WasmMemory;
  private readonly walkFn: (w0: number, w1: number, w2: number, w3: number, steps: number, states: number, out: number) => number;
  /** Where the states, the records and the text's bytes lie. */
  readonly states: number;
  readonly out: number;
  readonly text: number;
  /** Views of the memory (made again when it grows). */
  bytes!: Buffer;
  words!: Int32Array;

  private constructor(module: object, table: Int32Array) {
    this.states = table.length * 4;
    this.out = this.states + 16;
    this.text = this.out + RECORDS;
    ({ walk: this.walkFn, memory: this.memory } = instantiate<WasmWalker['walkFn']>(module, this.text + 64 * 1024));
    this.views();
    this.words.set(table, 0);
  }

  static for(table: Int32Array): WasmWalker | null {
    const m = wasmModule();
    return m === null ? null : new WasmWalker(m, table);
  }

  private views(): void {
    this.bytes = Buffer.from(this.memory.buffer);
    this.words = new Int32Array(this.memory.buffer);
  }

  /** Makes room for `n` bytes of text at this.text; false when that is more than MAX_BYTES. */
  room(n: number): boolean {
    if (n > MAX_BYTES) return false;
    const need = this.text + n;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.views();
    }
    return true;
  }

  /**
   * Steps [from, from + steps) of the four walks that start at byte offsets (from the text)
   * w0..w3 in states s[0..3]; leaves the states in s and returns the records' end (records
   * at this.out, two words each: the step, and the state reached | walk << 28).
   */
  walk(w0: number, w1: number, w2: number, w3: number, from: number, steps: number, s: Int32Array): number {
    const words = this.words;
    const at = this.states >> 2;
    words[at] = s[0]!;
    words[at + 1] = s[1]!;
    words[at + 2] = s[2]!;
    words[at + 3] = s[3]!;
    const t = this.text + from;
    const end = this.walkFn(t + w0, t + w1, t + w2, t + w3, steps, this.states, this.out);
    s[0] = words[at]!;
    s[1] = words[at + 1]!;
    s[2] = words[at + 2]!;
    s[3] = words[at + 3]!;
    return end;
  }
}
