/**
 * Finding which detector keywords occur in a text, in one pass: an Aho–Corasick automaton
 * compiled to a dense ASCII transition table (case-folded), so the cost is one array
 * lookup per character. It also tells which keywords are partially present at the very
 * end of the text ("…secr" for "secret"): in a stream, those may still complete.
 * (A regex alternation of ~200 literals was slower than all detectors together.)
 */
const ALPHA = 128;

export class KeywordIndex {
  readonly keywords: string[];
  private readonly delta: Int32Array;
  /** Keyword ids that end at each state (own and via failure links). */
  private readonly outputs: number[][];
  /** Keyword ids of which each state's string is a proper prefix (incl. shorter suffixes). */
  private readonly partial: number[][];
  private readonly ids = new Map<string, number>();

  constructor(keywords: Iterable<string>) {
    this.keywords = [...new Set([...keywords].map((k) => k.toLowerCase()).filter((k) => k.length > 0 && /^[\x00-\x7f]+$/.test(k)))];
    this.keywords.forEach((k, i) => this.ids.set(k, i));
    // Trie
    const goto: Array<Map<number, number>> = [new Map()];
    const out: number[][] = [[]];
    const below: number[][] = [[]];
    this.keywords.forEach((k, id) => {
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        below[s]!.push(id);
        const c = k.charCodeAt(i);
        let nxt = goto[s]!.get(c);
        if (nxt === undefined) {
          nxt = goto.length;
          goto.push(new Map());
          out.push([]);
          below.push([]);
          goto[s]!.set(c, nxt);
        }
        s = nxt;
      }
      out[s]!.push(id);
    });
    // BFS: failure links folded into a full transition table.
    const n = goto.length;
    const delta = new Int32Array(n * ALPHA);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let c = 0; c < ALPHA; c++) {
      const s = goto[0]!.get(c);
      delta[c] = s ?? 0;
      if (s !== undefined) queue.push(s);
    }
    const partial: number[][] = below.map((b, s) => (s === 0 ? [] : [...b]));
    for (let q = 0; q < queue.length; q++) {
      const r = queue[q]!;
      out[r] = [...out[r]!, ...out[fail[r]!]!];
      partial[r] = [...new Set([...partial[r]!, ...partial[fail[r]!]!])];
      for (let c = 0; c < ALPHA; c++) {
        const s = goto[r]!.get(c);
        if (s === undefined) delta[r * ALPHA + c] = delta[fail[r]! * ALPHA + c]!;
        else {
          fail[s] = delta[fail[r]! * ALPHA + c]!;
          delta[r * ALPHA + c] = s;
          queue.push(s);
        }
      }
    }
    this.delta = delta;
    this.outputs = out;
    this.partial = partial;
  }

  id(keyword: string): number {
    return this.ids.get(keyword.toLowerCase()) ?? -1;
  }

  /** Marks present keywords of text[from, to); returns the automaton state at `to`. */
  scan(text: string, present: Uint8Array, from = 0, to = text.length): number {
    const delta = this.delta;
    const outputs = this.outputs;
    let s = 0;
    for (let i = from; i < to; i++) {
      let c = text.charCodeAt(i);
      if (c >= ALPHA) c = 0;
      else if (c >= 65 && c <= 90) c |= 0x20;
      s = delta[s * ALPHA + c]!;
      const o = outputs[s]!;
      if (o.length) for (let k = 0; k < o.length; k++) present[o[k]!] = 1;
    }
    return s;
  }

  /** Keywords that the text ending in `state` has begun but not finished. */
  partialAt(state: number): readonly number[] {
    return this.partial[state] ?? [];
  }

  get size(): number {
    return this.keywords.length;
  }
}
