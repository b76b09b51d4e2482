/**
 * The Kubernetes Secret detector's streaming hold: `kind: Secret` often comes after
 * `data:` (kubectl sorts keys), so until the current YAML document's kind is known, values
 * under data:/stringData: are held. With a memo (one per stream), complete lines are read
 * once: each call reads only the lines that arrived since the last one, and looks for the
 * end of the line still arriving only in the text that arrived since the last one.
 */
import type { HoldMemo } from '../detector.js';

const DATA = /^(?:data|stringData):[ \t]*$/m;
const KIND = /^kind:[ \t]*\S+[ \t]*\r?$/;

interface DocState {
  /** Absolute start of the first line not read yet, and how far it has been searched for its end (a long line is searched once, not once per push). */
  scanned: number;
  searched: number;
  /** The current document: where its first data:/stringData: line ends (absolute, -1: none yet), and whether it has a kind: line. */
  dataEnd: number;
  kind: boolean;
}

/** The position from which to hold (the end of the document's data: line), or null. */
export function holdUntilKind(text: string, _from: number, memo: HoldMemo = { base: 0 }): number | null {
  const base = memo.base;
  const st = (memo.state ??= { scanned: base, searched: base, dataEnd: -1, kind: false }) as DocState;
  let pos = Math.max(0, st.scanned - base);
  const first = text.indexOf('\n', Math.max(pos, st.searched - base));
  if (first >= 0 && text.length - first >= LONG_STRETCH) {
    // A long stretch (a 1 KB push): the line in progress ends at `first`; of the lines after
    // it, only those that begin "---", "data:", "stringData:" or "kind:" are read, found by
    // those starts (four searches, not one per line: ~24 lines a KB of prose).
    readLine(st, text, pos, first, base);
    pos = readLinesFrom(st, text, first, text.lastIndexOf('\n'), base);
  } else {
    for (let nl = first; nl >= 0; nl = text.indexOf('\n', pos)) {
      readLine(st, text, pos, nl, base);
      pos = nl + 1;
    }
  }
  st.scanned = base + pos;
  st.searched = base + text.length;
  // The line still arriving: a document separator, or a data: line (a kind: line counts once complete).
  if (base + pos > 0 && text.startsWith('---', pos)) return null;
  let dataEnd = st.dataEnd;
  // (Sliced and searched only when it may be one: both keys end in "ata:".)
  if (dataEnd < 0 && text.length - pos < 64 && text.indexOf('ata:', pos) >= 0) {
    const m = DATA.exec(text.slice(pos));
    if (m) dataEnd = base + pos + m.index + m[0].length;
  }
  return dataEnd < 0 || st.kind ? null : Math.max(0, dataEnd - base);
}

/** From this many characters after the first new line break on, the lines are found by their starts (readLinesFrom). */
export const LONG_STRETCH = 384;

/**
 * Reads the complete lines that start after the line break at `first`, up to the last line
 * break `last`, as readLine() does each in turn (readLine() reads no other lines): those that
 * begin "\n---", "\ndata:", "\nstringData:" or "\nkind:" (distinct first characters: one
 * line matches at most one), in order. Returns where the line in progress starts.
 */
function readLinesFrom(st: DocState, text: string, first: number, last: number, base: number): number {
  let sep = text.indexOf('\n---', first);
  let data = text.indexOf('\ndata:', first);
  let strData = text.indexOf('\nstringData:', first);
  let kind = text.indexOf('\nkind:', first);
  for (;;) {
    // The earliest of them that starts a complete line (its break before `last`).
    let q = last;
    if (sep >= 0 && sep < q) q = sep;
    if (data >= 0 && data < q) q = data;
    if (strData >= 0 && strData < q) q = strData;
    if (kind >= 0 && kind < q) q = kind;
    if (q === last) return last + 1;
    readLine(st, text, q + 1, text.indexOf('\n', q + 1), base);
    if (q === sep) sep = text.indexOf('\n---', q + 1);
    else if (q === data) data = text.indexOf('\ndata:', q + 1);
    else if (q === strData) strData = text.indexOf('\nstringData:', q + 1);
    else kind = text.indexOf('\nkind:', q + 1);
  }
}

/** Reads the complete line text[pos, nl) (text starts at absolute offset `base`); sliced only when it may matter. */
function readLine(st: DocState, text: string, pos: number, nl: number, base: number): void {
  // Only lines that begin "---", "data:", "stringData:" or "kind:" matter: one character tells most apart.
  const c = text.charCodeAt(pos);
  if (c !== 45 && c !== 100 && c !== 115 && c !== 107) return;
  const at = base + pos;
  if (at > 0 && text.startsWith('---', pos) && nl - pos >= 3) {
    st.dataEnd = -1;
    st.kind = false;
    return;
  }
  if (st.dataEnd < 0 && (text.startsWith('data:', pos) || text.startsWith('stringData:', pos))) {
    const line = text.slice(pos, nl);
    const m = DATA.exec(line);
    if (m) st.dataEnd = at + m.index + m[0].length;
  }
  if (!st.kind && text.startsWith('kind:', pos) && KIND.test(text.slice(pos, nl))) st.kind = true;
}
