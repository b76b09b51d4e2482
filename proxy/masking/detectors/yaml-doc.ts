/**
 * The Kubernetes Secret detector's streaming hold: `kind: Secret` often comes after
 * `data:` (kubectl sorts keys), so until the current YAML document's kind is known, values
 * under data:/stringData: are held. With a memo (one per stream), complete lines are read
 * once: each call reads only the lines that arrived since the last one, and looks for the
 * end of the line still arriving only in the text that arrived since the last one. With
 * the stream's list of where the lines it reads begin (HoldMemo.lines, from the carried
 * keyword scan: KIND_LINES), only those lines are read, not every line break found.
 */
import type { HoldMemo } from '../detector.js';

const DATA = /^(?:data|stringData):[ \t]*$/m;
const KIND = /^kind:[ \t]*\S+[ \t]*\r?$/;

/** The lines readLine() acts on begin with one of these (after a line break; the first line of a stream is read apart). */
export const KIND_LINES: readonly string[] = ['\n---', '\ndata:', '\nstringData:', '\nkind:'];

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
  const lines = memo.lines;
  if (lines === undefined) {
    for (let nl = text.indexOf('\n', Math.max(pos, st.searched - base)); nl >= 0; nl = text.indexOf('\n', pos)) {
      readLine(st, text, pos, nl, base);
      pos = nl + 1;
    }
  } else pos = readListed(st, text, pos, base, lines);
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

/**
 * What the loop over every line break does, reading only the line at `pos` and those the
 * stream listed (`lines`: where KIND_LINES occur, absolute) up to the last complete line;
 * returns where the first line not complete yet starts. Every other line begins with none of
 * KIND_LINES' words, and readLine() passes over it.
 */
function readListed(st: DocState, text: string, pos: number, base: number, lines: number[]): number {
  const first = text.indexOf('\n', Math.max(pos, st.searched - base));
  if (first < 0) return pos;
  const last = text.lastIndexOf('\n');
  readLine(st, text, pos, first, base);
  let k = 0;
  for (; k < lines.length; k++) {
    const p = lines[k]! - base + 1;
    if (p > last) break;
    if (p > pos) readLine(st, text, p, text.indexOf('\n', p), base);
  }
  if (k > 0) lines.splice(0, k);
  return last + 1;
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
