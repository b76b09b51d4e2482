/**
 * How far back a stream keeps its text for the YAML-document validators: kubernetes-secret
 * (a value under data:/stringData: of a document with a `kind: Secret` line) and the
 * SealedSecret exception of the generic detectors (a value under encryptedData: after a
 * `kind: SealedSecret` line). Both read the value's document from its start (the last
 * `\n---` before the value, or the text's start). A stream keeps only a window of recent text,
 * so once a document has such a kind line the window is kept from the document's start: the
 * validators then see in the window what they see in the whole text. Bounded by
 * MAX_DOC_KEEP: a document longer than that is trimmed as any other text.
 *
 * Positions are absolute (offsets in the whole stream). Each call reads only the text that
 * arrived since the last one.
 */

/** A document kept whole in a stream's window at most this long (characters); longer ones are trimmed as usual. */
export const MAX_DOC_KEEP = 64 * 1024;

const SEP = '\n---';

export class DocKeep {
  /** Document starts (`\n---`, absolute, ascending): the last one before the window and those in it. */
  private seps: number[] = [];
  /** `kind:` occurrences followed by [ \t]*, an optional quote and `Secret` or `SealedSecret` (absolute, ascending). */
  private kinds: number[] = [];
  /** `\n---` starting before here have been looked for. */
  private sepTo = 0;
  /** `kind:` starting before here have been looked at. */
  private kindTo = 0;

  /**
   * Reads what keepFrom(from, …) asks about (document starts at or before `from`, kind lines
   * before it), when some of it is unread: then all of text from where the last read stopped.
   * So the text is read once a window's length (about every 1 KB), not at every push: each read
   * is two indexOf calls, most of their cost per call. (What was read is the same whenever it
   * is read: the text only grows at its end. kindTo never passes sepTo, so the kind test
   * decides; both are kept for what each stands for.)
   */
  readFor(text: string, base: number, from: number): void {
    if (this.sepTo > from && this.kindTo >= from) return;
    this.read(text, base);
  }

  /** Reads text (text[0] at absolute `base`) from where the last call stopped. */
  read(text: string, base: number): void {
    const end = base + text.length;
    for (let i = text.indexOf(SEP, Math.max(0, this.sepTo - base)); i >= 0; i = text.indexOf(SEP, i + 1)) this.seps.push(base + i);
    this.sepTo = Math.max(this.sepTo, end - (SEP.length - 1));
    let k = text.indexOf('kind:', Math.max(0, this.kindTo - base));
    for (; k >= 0; k = text.indexOf('kind:', k + 5)) {
      const says = secretKindAt(text, k + 5);
      if (says === null) break; // not enough text yet to tell
      if (says) this.kinds.push(base + k);
    }
    this.kindTo = k >= 0 ? base + k : Math.max(this.kindTo, end - 4);
  }

  /**
   * Where to keep the text from (absolute), given where the stream would keep it from: the
   * start of the document `from` lies in when a kind line of that document lies before
   * `from` (and the document is not longer than MAX_DOC_KEEP), else `from`.
   */
  keepFrom(from: number, end: number): number {
    let doc = 0;
    for (let i = this.seps.length - 1; i >= 0; i--) {
      if (this.seps[i]! <= from) {
        doc = this.seps[i]!;
        break;
      }
    }
    let keep = from;
    for (let i = this.kinds.length - 1; i >= 0 && this.kinds[i]! >= doc; i--) {
      if (this.kinds[i]! < from) {
        keep = doc;
        break;
      }
    }
    if (end - keep > MAX_DOC_KEEP) keep = from;
    this.forget(keep);
    return keep;
  }

  /** Drops what no later call can ask about: text before `keep` is trimmed (the last document start before it stays). */
  private forget(keep: number): void {
    let s = 0;
    while (s + 1 < this.seps.length && this.seps[s + 1]! <= keep) s++;
    if (s > 0) this.seps.splice(0, s);
    const doc = this.seps.length > 0 && this.seps[0]! <= keep ? this.seps[0]! : 0;
    let k = 0;
    while (k < this.kinds.length && this.kinds[k]! < doc) k++;
    if (k > 0) this.kinds.splice(0, k);
  }
}

/**
 * Whether text[at…] is [ \t]*, an optional quote, then `Secret` or `SealedSecret` (what
 * follows `kind:` in the lines the validators accept); null when the text ends before that
 * can be told.
 */
function secretKindAt(text: string, at: number): boolean | null {
  let j = at;
  while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
  if (j < text.length && (text.charCodeAt(j) === 34 || text.charCodeAt(j) === 39)) j++;
  for (const word of WORDS) {
    const n = Math.min(word.length, text.length - j);
    if (text.startsWith(word.slice(0, n), j)) {
      if (n < word.length) return null;
      return true;
    }
  }
  return false;
}
const WORDS = ['Secret', 'SealedSecret'];
