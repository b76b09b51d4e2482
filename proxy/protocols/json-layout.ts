/**
 * Where the pieces of a JSON object body lie, found in its bytes without decoding them:
 * each top-level member's key and value, and each element of a top-level array (a
 * conversation's `messages` or `input`, the `tools` offered). A request body read piece by
 * piece never becomes one string: an agent request resends ~200 KB of history every turn,
 * and a string that big is a large V8 object (fresh pages, faulted in, freed at the next
 * GC) whose UTF-8 decode cost more than parsing it piece by piece (issue 13, part 3).
 *
 * Only the layout is checked here (whitespace, `:`, `,` and brackets between pieces);
 * each piece is left for JSON.parse to check. A layout is given only when parsing every
 * piece and assembling them in order gives what JSON.parse of the whole text would (every
 * piece boundary is an ASCII byte, so decoding UTF-8 piece by piece decodes the same
 * characters); anything unexpected gives null, and the caller parses the whole text.
 */

/** One top-level member: its key's bytes (quotes included) and its value's, or its array elements'. */
export interface JsonMember {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  /** The elements' [start, end) byte ranges when the value is an array, else null. */
  elements: Array<[number, number]> | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON whitespace (RFC 8259 §2): space, tab, line feed, carriage return. */
function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** The index after the string that opens at `i` (a quote), or -1 when it never closes. */
function skipString(b: Buffer, i: number): number {
  let j = i;
  for (;;) {
    j = b.indexOf(QUOTE, j + 1);
    if (j < 0) return -1;
    let k = j - 1;
    while (b[k] === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1; // an even run of backslashes escapes nothing
  }
}

/** The index after the value that starts at `i`, or -1. Containers are matched by depth only; JSON.parse checks their inside. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < b.length) {
      const x = b[i]!;
      if (x === QUOTE) {
        i = skipString(b, i);
        if (i < 0) return -1;
        continue;
      }
      if (x === 0x7b || x === 0x5b) depth++;
      else if (x === 0x7d || x === 0x5d) {
        if (--depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  const start = i;
  while (i < b.length) {
    const x = b[i]!;
    if (x === 0x2c || x === 0x7d || x === 0x5d || x === 0x20 || x === 0x0a || x === 0x0d || x === 0x09) break;
    i++;
  }
  return i > start ? i : -1;
}

/** The elements of the array that opens at `i`: their ranges and the index after its `]`, or null. */
function arrayElements(b: Buffer, i: number): { elements: Array<[number, number]>; end: number } | null {
  const elements: Array<[number, number]> = [];
  i = skipWs(b, i + 1);
  if (b[i] === 0x5d) return { elements, end: i + 1 };
  for (;;) {
    const end = skipValue(b, i);
    if (end < 0) return null;
    elements.push([i, end]);
    i = skipWs(b, end);
    if (b[i] === 0x5d) return { elements, end: i + 1 };
    if (b[i] !== 0x2c) return null;
    i = skipWs(b, i + 1);
  }
}

/**
 * The members of the JSON object that is the whole of `b`, in order; null when `b` is not
 * an object laid out as JSON (a byte-order mark, a top-level array or scalar, anything
 * between the pieces that JSON does not allow there).
 */
export function objectLayout(b: Buffer): JsonMember[] | null {
  let i = skipWs(b, 0);
  if (b[i] !== 0x7b) return null;
  const members: JsonMember[] = [];
  i = skipWs(b, i + 1);
  if (b[i] === 0x7d) return skipWs(b, i + 1) === b.length ? members : null;
  for (;;) {
    if (b[i] !== QUOTE) return null;
    const keyStart = i;
    const keyEnd = skipString(b, i);
    if (keyEnd < 0) return null;
    i = skipWs(b, keyEnd);
    if (b[i] !== 0x3a) return null;
    const valueStart = skipWs(b, i + 1);
    let valueEnd: number;
    let elements: Array<[number, number]> | null = null;
    if (b[valueStart] === 0x5b) {
      const a = arrayElements(b, valueStart);
      if (!a) return null;
      elements = a.elements;
      valueEnd = a.end;
    } else {
      valueEnd = skipValue(b, valueStart);
      if (valueEnd < 0) return null;
    }
    members.push({ keyStart, keyEnd, valueStart, valueEnd, elements });
    i = skipWs(b, valueEnd);
    if (b[i] === 0x7d) return skipWs(b, i + 1) === b.length ? members : null;
    if (b[i] !== 0x2c) return null;
    i = skipWs(b, i + 1);
  }
}
