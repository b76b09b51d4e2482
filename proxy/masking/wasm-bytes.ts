/**
 * Small WebAssembly modules written as their bytes (no build step): the encodings, the
 * opcodes and the parts of the WebAssembly API that the keyword walks use (wasm-walk.ts over a
 * text's UTF-8 bytes, carry-walk.ts over a stream's UTF-16 units) and the placeholder tag's
 * SHA-256 (hmac-tag.ts; the bulk-memory ops below are its). Every module works on one
 * imported memory (`m.mem`); a walk's module has one function, `walk`, returning an i32.
 */

// Opcodes (i32 only).
export const I32 = 0x7f;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_LOAD = (offset = 0) => [0x28, 2, ...uleb(offset)];
export const I32_LOAD8_U = (offset = 0) => [0x2d, 0, ...uleb(offset)];
export const I32_LOAD16_U = (offset = 0) => [0x2f, 1, ...uleb(offset)];
export const I32_STORE = (offset = 0) => [0x36, 2, ...uleb(offset)];
export const I32_CONST = (v: number) => [0x41, ...sleb(v)];
export const ADD = 0x6a;
export const OR = 0x72;
export const XOR = 0x73;
export const SHL = 0x74;
export const LT_S = 0x48;
export const GE_U = 0x4f;
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const ELSE = 0x05;
export const END = 0x0b;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const LOCAL_TEE = 0x22;
export const CALL = 0x10;
export const LT_U = 0x49;
export const SUB = 0x6b;
export const AND = 0x71;
export const SHR_U = 0x76;
export const ROTL = 0x77;
export const ROTR = 0x78;
export const I32_STORE8 = (offset = 0) => [0x3a, 0, ...uleb(offset)];
/** memory.fill (dest, value, length) and memory.copy (dest, source, length) over memory 0. */
export const MEMORY_FILL = [0xfc, 0x0b, 0x00];
export const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(v: number): number[] {
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

/** A function body: its i32 locals (beyond the parameters) and its code. */
export function functionBody(locals: number, code: number[]): number[] {
  const decl = locals > 0 ? [1, ...uleb(locals), I32] : [0];
  return [...uleb(decl.length + code.length), ...decl, ...code];
}

/** A module of one exported function `walk` taking `params` i32s and returning an i32, over the imported memory `m.mem`. */
export function walkModule(params: number, body: number[]): Uint8Array {
  return moduleOf([{ params, result: true, body, name: 'walk' }]);
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

export const PAGE = 65536;

/** Compiles `bytes()` on first use; null where WebAssembly is not available or refuses it (callers then walk in JavaScript). */
export function compiledOnce(bytes: () => Uint8Array): () => object | null {
  let compiled: object | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = wasm ? new wasm.Module(bytes()) : null;
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}

/** An instance of a compiled walk module over a new memory of `bytes` (rounded up to pages): its `walk` and the memory. */
export function instantiate<F>(module: object, bytes: number): { walk: F; memory: WasmMemory } {
  const { exports, memory } = instantiateAll(module, bytes);
  return { walk: exports.walk as F, memory };
}

/** One function of a module: its i32 parameters, whether it returns an i32, its body (functionBody), and the name it is exported as (none: internal). */
export interface ModuleFunction {
  params: number;
  result: boolean;
  body: number[];
  name?: string;
}

/** A module of several functions (called by their index in `funcs`) over the imported memory `m.mem`. */
export function moduleOf(funcs: readonly ModuleFunction[]): Uint8Array {
  const type = [...uleb(funcs.length), ...funcs.flatMap((f) => [0x60, f.params, ...Array<number>(f.params).fill(I32), ...(f.result ? [1, I32] : [0])])];
  const imports = [1, ...name('m'), ...name('mem'), 0x02, 0x00, 0x01];
  const decls = [...uleb(funcs.length), ...funcs.map((_, k) => k)];
  const named = funcs.flatMap((f, k) => (f.name === undefined ? [] : [[...name(f.name), 0x00, k]]));
  const exports = [...uleb(named.length), ...named.flat()];
  const code = [...uleb(funcs.length), ...funcs.flatMap((f) => f.body)];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, type), ...section(2, imports), ...section(3, decls), ...section(7, exports), ...section(10, code)]);
}

/** An instance of a compiled module over a new memory of `bytes` (rounded up to pages): its exports and the memory. */
export function instantiateAll(module: object, bytes: number): { exports: Record<string, unknown>; memory: WasmMemory } {
  const memory = new wasm!.Memory({ initial: Math.ceil(bytes / PAGE) });
  const instance = new wasm!.Instance(module, { m: { mem: memory } });
  return { exports: instance.exports, memory };
}
