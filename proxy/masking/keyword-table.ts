/**
 * The keyword automaton's string-walk table (KeywordIndex's scan, scanStep, occursIn), made
 * small enough to stay in the CPU's cache between a stream's pushes. It only packs a table
 * built elsewhere (keywords.ts); it never changes what a walk finds.
 *
 * Why: the dense table (1,375 states × 51 character classes, Int32: 274 KB) was evicted by the
 * rest of a push's work, and a walk waits on each load, so inside the streaming masker it
 * cost ~6–7 ns a character against ~3.5–4 alone (docs/masking.md). Four characters in five
 * are read in the root or a depth-1 state; and a deeper state moves almost everywhere as the
 * depth-1 state of its own last character does. So:
 * - the root and the depth-1 states keep full rows (40 × 51 entries);
 * - a deeper state keeps only the entries where it differs from that depth-1 state (or from
 *   the root, when its last character begins no keyword): 1,676 entries for the detectors'
 *   keywords, packed into the free slots of one array with the full rows ("double array"),
 *   each tagged with its owner. A slot owned by another state means "as the fallback row":
 *   the row of the depth-1 state of the character read before (the root row's entry for it).
 * ~16 KB in all; a 1 KB push of prose touches ~70 of its 64-byte lines, against ~165 before.
 *
 * A state is named by its code, the offset of its entries (a full row's first slot, or where a
 * deeper state's entries are placed); an entry is `owner << 16 | output << 15 | next code`,
 * with `output` set when the next state ends a keyword. A free slot is -1 (owner 0xffff).
 */

/** The packed table and the maps between codes and the automaton's state numbers. */
export interface PackedTable {
  /** Entries by code + class. */
  table: Int32Array;
  /** State number by code. */
  plain: Int32Array;
  /** Code by state number. */
  code: Int32Array;
  /** By code: the class of the state's last character (the fallback row of a deeper state is the root's entry for it). */
  last: Uint8Array;
}

export const NEXT = 0x7fff;
export const OUTPUT = 0x8000;

/**
 * Packs the automaton given by `next` (state × class → state, every class in [0, width),
 * class 0 leading to the root from everywhere), whose states are `depth`-deep, reached last by
 * a character of class `lastClass` and end a keyword when `ends`; `order` lists the states
 * breadth-first (the root first), so the hotter shallow states are packed together.
 */
export function packTable(
  width: number,
  order: readonly number[],
  depth: Int32Array,
  lastClass: Uint8Array,
  ends: (state: number) => boolean,
  next: (state: number, k: number) => number,
): PackedTable {
  const n = order.length;
  const code = new Int32Array(n).fill(-1);
  // Full rows: the root and the depth-1 states, in order.
  const full = order.filter((st) => depth[st]! <= 1);
  full.forEach((st, i) => (code[st] = i * width));
  let slots = full.length * width;
  const owner: number[] = Array.from({ length: slots }, (_, i) => i - (i % width));
  const isCode = new Set<number>(full.map((st) => code[st]!));
  /** The state a deeper state's missing entries come from. */
  const fallback = (st: number) => next(0, lastClass[st]!);
  const deeper: Array<[number, number[]]> = [];
  let low = slots;
  for (const st of order) {
    if (depth[st]! <= 1) continue;
    const f = fallback(st);
    const own: number[] = [];
    for (let k = 0; k < width; k++) if (next(st, k) !== next(f, k)) own.push(k);
    // First fit: a code no state has, whose slots for these classes are free (none below `low`).
    while (owner[low] !== undefined && owner[low] !== -1) low++;
    let b = Math.max(0, low - width);
    while (isCode.has(b) || own.some((k) => owner[b + k] !== undefined && owner[b + k] !== -1)) b++;
    code[st] = b;
    isCode.add(b);
    for (const k of own) {
      while (owner.length <= b + k) owner.push(-1);
      owner[b + k] = b;
    }
    deeper.push([st, own]);
    slots = Math.max(slots, b + width);
  }
  if (slots > NEXT) throw new Error(`keyword table: ${slots} slots do not fit 15-bit codes`);
  const table = new Int32Array(slots).fill(-1);
  const plain = new Int32Array(slots).fill(-1);
  const last = new Uint8Array(slots);
  const entry = (from: number, k: number) => {
    const t = next(from, k);
    return (code[from]! << 16) | (ends(t) ? OUTPUT : 0) | code[t]!;
  };
  for (const st of full) for (let k = 0; k < width; k++) table[code[st]! + k] = entry(st, k);
  for (const [st, own] of deeper) for (const k of own) table[code[st]! + k] = entry(st, k);
  for (const st of order) {
    plain[code[st]!] = st;
    last[code[st]!] = lastClass[st]!;
  }
  return { table, plain, code, last };
}

/** One step of the packed walk: the entry for class `k` from the state coded `s`, whose last character had class `kp`. */
export function stepPacked(table: Int32Array, s: number, kp: number, k: number): number {
  const e = table[s + k]!;
  return e >>> 16 === s ? e : table[(table[kp]! & NEXT) + k]!;
}
