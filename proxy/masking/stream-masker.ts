/**
 * Streaming masking of one text stream (one choice's content, one tool call's argument
 * string): push text as it arrives, get back the part that is safe to forward now.
 *
 * Only a suffix that could still grow into a secret is held back:
 *  - a detector match that reaches the end of what we have (the token may continue);
 *  - a detector's "in progress" tail (a key name waiting for its value, "-----BEGIN …",
 *    "Bearer ", "scheme://user:…");
 *  - a trailing word that is, or could become, a known token prefix ("gh", "ghp_abc…");
 *  - a value that the words arriving after it may still call a secret ("<value> is my
 *    Stripe k…"), for as long as they may: the detectors' hold hooks.
 * Once a value has ended and nothing after it can still make it (or what follows) a
 * secret, the text is released in the same push. Text is never dropped, duplicated or
 * reordered; flush() releases the rest at the end.
 *
 * Cost per push: proportional to the new text plus a bounded context, not to the window.
 *  - The detectors are searched from where the held text starts, or from the start of the
 *    earliest candidate still alive (a key name whose value is held), whichever is earlier,
 *    minus the detector's reach (Detector.reach): a match that reaches into the held text
 *    either was alive at the last push (its start is remembered) or starts at most that far
 *    back (context released before the match could be recognised: `"` before `auth":`).
 *    Long-reach detectors are searched only while one of their start literals occurred in
 *    that reach (tracked incrementally). Already forwarded text stays in a look-behind
 *    window so that look-behinds and validators still see the context before it.
 *  - In-progress candidates are searched in the same regions, never more than TAIL_WINDOW
 *    back.
 *  - One keyword automaton serves every plan of the stream (which detectors may match, where
 *    their start literals and hold-back candidates begin, the long-reach literals) and carries
 *    its state from push to push (KeywordCarry): new text is read once, and a search from any
 *    recent point is answered from the occurrences kept.
 *  - A push that only extends a held word (pending is one run of token characters) cannot
 *    release anything: it is appended without a search.
 */
import { SHORT_REACH, type Detector, type HoldMemo } from './detector.js';
import { holdWords, openCandidates } from './hold-scan.js';
import { CharSeek } from './char-seek.js';
import { DocKeep } from './doc-keep.js';
import { KeywordCarry } from './keyword-carry.js';
import { Hits, KeywordIndex, shareIndex } from './keywords.js';
import type { Masker } from './masker.js';
import { anchorsOf, mergeScans, oneCharStart, scanOpen, scanWords, type Finding } from './scan.js';

/**
 * Forwarded text kept for look-behinds and validators (trimmed in steps of TRIM). Every push
 * that searches copies the buffer into one flat string again (see release()), so the steps
 * are small: a buffer of 1–1.1 KB is copied per push. (What a validator reads further back,
 * a YAML document's kind line, is kept apart: doc-keep.ts.)
 */
const LOOKBEHIND = 1024;
const TRIM = 64;
/** In-progress candidates are looked for at most this far back from the end (as before). */
const TAIL_WINDOW = 600;
/** A held suffix longer than this is released anyway (masked as far as it can be). */
const MAX_HOLD = 64 * 1024;
/** How far back of the end a live candidate may still start (held text is capped at MAX_HOLD, candidates at TAIL_WINDOW). */
const MAX_CARRY = 4096;
/** The no-search path is taken for held words up to this length (below TAIL_WINDOW, so it changes nothing). */
const FAST_RUN = 512;

/** Released pieces are cut off the held pieces' array once there are this many (see pieceHead). */
const PIECE_STEP = 32;

/** Shared empty results (frozen: a push into them would throw). */
const NONE: readonly Finding[] = Object.freeze([]);
const NO_STARTS: readonly number[] = Object.freeze([]);

/** Characters of a word that may be (part of) a token; a trailing run of them is held until it ends. */
function isRunChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 43 || c === 47 || c === 61 || c === 126 || c === 46;
}

/** Whether s[from, to) are all token characters (isRunChar). */
function allRun(s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) if (!isRunChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * The detectors split by how they are searched: `near` from a fixed reach before the held
 * text (the short-reach ones, and the long-reach ones without start literals), `long` (long
 * reach, anchored) only from the first of their start literals in reach (tracked
 * incrementally). The near ones are searched from SHORT_REACH back; those of them that reach
 * further (`far`: the XML settings detector, 160) are searched from their own reach only when
 * a character their matches begin with (`farStarts`) occurs in the extra stretch, and then
 * apart (`short`: the other near ones).
 */
interface Groups {
  near: readonly Detector[];
  short: readonly Detector[];
  far: readonly Detector[];
  farReach: number;
  /** The one character every match (and tail) of a far detector begins with; null: search them always. */
  farStarts: string[] | null;
  long: readonly Detector[];
  /** Detectors with a hold hook. */
  holders: readonly Detector[];
  /** Per literal id: 1 + the index in `holders` of the hook whose holdLines it is (0: none), found by
   *  longFrom()'s scan for HoldMemo.lines; empty without long detectors (the hooks read every line). */
  lineOf: Int32Array;
  reach: number;
  literals: KeywordIndex;
  longest: number;
  hits: Hits;
  present: Uint8Array;
}
const groupsByDetectors = new WeakMap<readonly Detector[], Groups>();

function groupsFor(detectors: readonly Detector[]): Groups {
  let g = groupsByDetectors.get(detectors);
  if (g) return g;
  const reachOf = (d: Detector) => d.reach ?? SHORT_REACH;
  // Every match, in-progress candidate and tail of a long detector begins with one of its literals.
  const litsOf = (d: Detector) => [d.pattern, ...(d.tail ? [d.tail] : [])].map((re) => anchorsOf(re));
  const long = detectors.filter((d) => reachOf(d) > SHORT_REACH && litsOf(d).every((l) => l !== null));
  const near = detectors.filter((d) => !long.includes(d));
  const far = near.filter((d) => reachOf(d) > SHORT_REACH);
  const short = near.filter((d) => reachOf(d) <= SHORT_REACH);
  const farChars = far.flatMap((d) => [d.pattern, ...(d.tail ? [d.tail] : [])].map(oneCharStart));
  const longLits = long.flatMap((d) => litsOf(d).flatMap((l) => l ?? []));
  // One automaton for every plan of this stream's detectors: each new character is read once.
  const holders = detectors.filter((d) => d.hold);
  const lineWords = long.length > 0 ? holders.flatMap((d) => d.holdLines ?? []) : [];
  const literals = new KeywordIndex([...longLits, ...scanWords(near), ...scanWords(long), ...holdWords(near), ...holdWords(long), ...lineWords]);
  shareIndex([near, short, far, long], literals);
  const wantedLong = new Uint8Array(literals.size);
  for (const l of longLits) wantedLong[literals.id(l)] = 1;
  const lineOf = new Int32Array(lineWords.length > 0 ? literals.size : 0);
  holders.forEach((d, k) => {
    for (const w of lineWords.length > 0 ? (d.holdLines ?? []) : []) {
      lineOf[literals.id(w)] = k + 1;
      wantedLong[literals.id(w)] = 1;
    }
  });
  g = {
    near,
    short,
    far,
    farReach: Math.max(SHORT_REACH, ...far.map(reachOf)),
    farStarts: farChars.every((c) => c !== null) ? [...new Set(farChars as string[])] : null,
    long,
    holders,
    lineOf,
    reach: Math.max(SHORT_REACH, ...long.map(reachOf)),
    literals,
    longest: Math.max(0, ...literals.keywords.map((k) => k.length)),
    hits: new Hits(wantedLong),
    present: new Uint8Array(literals.size),
  };
  groupsByDetectors.set(detectors, g);
  return g;
}

export class StreamingMasker {
  /**
   * Forwarded text (its last LOOKBEHIND..LOOKBEHIND+TRIM characters) followed by the held text,
   * then `tail`: text pushed since the last search (appended to buf by the next one).
   */
  private buf = '';
  private tail = '';
  /** Absolute offset of buf[0] in the input stream. */
  private base = 0;
  /** Where the held text starts in buf. */
  private at = 0;
  /**
   * The held text as it was pushed (pieces[pieceHead] from pieceSkip on): released text is built from
   * these, not sliced out of buf, so that what the caller keeps of the output never pins a
   * whole look-behind buffer (V8 slices share their parent; a 16-character push would keep
   * ~3 KB alive, and collecting that was most of a small push's cost).
   */
  private readonly pieces: string[] = [];
  private pieceSkip = 0;
  /**
   * Pieces before this one are released (emptied: they pin nothing); they are cut off the
   * array in steps of PIECE_STEP, not at every push (a splice per push was ~1 % of a small
   * push's time).
   */
  private pieceHead = 0;
  /** Absolute start of the earliest candidate still alive (its key name may lie before `at`), or -1. */
  private alive = -1;
  /** The held text is one run of token characters. */
  private runOnly = true;
  /** Long-reach start literals: read up to here (absolute); where the recent ones start (absolute, ascending). */
  private longScanned = 0;
  private longHits: number[] = [];
  /** The detectors' hold hooks' state for this stream. */
  private readonly memos: HoldMemo[];
  /** The keyword automata's state carried between pushes (each character is read once). */
  private readonly carry = new KeywordCarry();
  /** Where YAML documents with a Secret/SealedSecret kind line start (kept whole for their validators). */
  private readonly docs = new DocKeep();
  /** Where the far detectors' start characters were last found (g.farStarts, in order; see farFrom). */
  private readonly farSeeks: CharSeek[];
  readonly findings: Finding[] = [];
  /** holdPoint()'s answers for the push under way. */
  private holdAt = 0;
  private holdAlive = 0;
  private runStart = 0;
  /** The buffer and the text pushed since the last search, joined (see release()). */
  private readonly pair: string[] = ['', ''];
  /** The detectors' groups (looked up once per stream, not per push). */
  private readonly groups: Groups;
  constructor(private readonly masker: Masker) {
    this.groups = groupsFor(masker.detectors);
    this.farSeeks = (this.groups.farStarts ?? []).map((c) => new CharSeek(c));
    // (The carried walk logs the text's runs for the named-after holds from the first push: run-log.ts.)
    this.carry.runs.active = true;
    const shared = { runLog: this.carry.runs };
    const g = this.groups;
    this.memos = g.holders.map((d) => (g.lineOf.length > 0 && d.holdLines ? { base: 0, shared, lines: [] } : { base: 0, shared }));
  }

  /** Adds text; returns the masked text that may be forwarded now (possibly ""). */
  push(text: string): string {
    if (text.length === 0) return '';
    this.tail += text;
    this.pieces.push(text);
    // A word still growing: the trailing-word rule holds all of it, whatever else holds.
    if (this.runOnly && this.held <= FAST_RUN && allRun(text)) return '';
    return this.release(false);
  }

  /** End of stream: everything left, masked. */
  flush(): string {
    return this.release(true);
  }

  /** Characters held back right now. */
  get held(): number {
    return this.buf.length + this.tail.length - this.at;
  }

  private release(final: boolean): string {
    // One flat (sequential) string, made by join(): `buf + tail` would be a cons string, which
    // the first search flattens by copying all the same, but every charCodeAt() and regex call
    // on it afterwards (the automaton, the hold hooks, the detectors) then goes through the
    // cons's indirection.
    let text = this.buf;
    if (this.tail.length > 0) {
      // (The two-element array is the stream's own: one allocation less a push.)
      const pair = this.pair;
      pair[0] = this.buf;
      pair[1] = this.tail;
      text = pair.join('');
      pair[0] = pair[1] = '';
    }
    this.buf = text;
    this.tail = '';
    const end = text.length;
    const from = this.at;
    const aliveAt = this.alive < 0 ? from : Math.max(0, Math.min(from, this.alive - this.base));
    const g = this.groups;
    this.carry.base = this.base;
    // A long-reach match starts at one of its start literals: search from the first one in reach.
    const longFrom = g.long.length > 0 ? this.longFrom(g, text, aliveAt - g.reach) : -1;
    const longActive = longFrom >= 0;
    // The near detectors from SHORT_REACH back; the far ones from their own reach, from the
    // first character one of their matches could begin with, when there is one before that.
    // (Exact because a whole-text search tries every position: scan.ts, accept(). The far
    // findings merge after the short ones, which would matter only for two detectors of one
    // priority but different types on the same span: the one far detector, generic-secret at
    // 25, shares its type with every detector of its priority.)
    const nearFrom = Math.max(0, aliveAt - SHORT_REACH);
    const farFrom = g.far.length === 0 ? -1 : this.farFrom(g, text, Math.max(0, aliveAt - g.farReach), nearFrom);
    let nearScan = scanOpen(text, farFrom < 0 ? g.near : g.short, nearFrom, this.carry);
    if (farFrom >= 0) nearScan = mergeScans(nearScan, scanOpen(text, g.far, farFrom, this.carry));
    const scan = longActive ? mergeScans(nearScan, scanOpen(text, g.long, longFrom, this.carry)) : nearScan;
    // Findings inside already-forwarded text were decided earlier; one that reaches into
    // the held text is masked from there on.
    // (Most pushes find nothing: then no arrays are made.)
    const findings: Finding[] = scan.findings.length === 0 ? (NONE as Finding[]) : [];
    const starts: number[] = scan.findings.length === 0 ? (NO_STARTS as number[]) : [];
    for (let i = 0; i < scan.findings.length; i++) {
      const f = scan.findings[i]!;
      if (f.end <= from) continue;
      findings.push(f.start < from ? { ...f, start: from } : f);
      starts.push(scan.matchStarts[i]!);
    }

    let holdAt = end;
    let alive = end;
    // From here on the text is all token characters (the trailing word holdPoint found).
    let runFrom = end;
    if (!final) {
      this.holdPoint(text, from, nearFrom, farFrom, findings, g, longFrom);
      runFrom = this.runStart;
      alive = Math.min(this.holdAlive, scan.openMatchFrom);
      holdAt = Math.min(this.holdAt, Math.max(scan.openFrom, from));
      if (end - holdAt > MAX_HOLD) holdAt = end - MAX_HOLD;
    }
    // A finding straddling the hold point is held whole; held findings keep their match alive.
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i]!;
      if (f.start < holdAt && f.end > holdAt) holdAt = f.start;
    }
    for (let i = 0; i < findings.length; i++) if (findings[i]!.end > holdAt && starts[i]! < alive) alive = starts[i]!;

    let out = this.take(holdAt - from);
    const released = findings.length === 0 ? NONE : findings.filter((f) => f.end <= holdAt);
    if (released.length) {
      out = this.masker.apply(out, released, from);
      for (const f of released) this.findings.push({ ...f, start: f.start + this.base, end: f.end + this.base });
    }

    this.at = holdAt;
    this.alive = alive < holdAt ? alive + this.base : -1;
    // (Read only before the trailing word: that is all token characters.)
    this.runOnly = allRun(text, holdAt, runFrom);
    // Keep LOOKBEHIND characters before the held text and before an alive candidate (and a Secret
    // or SealedSecret document from its start: doc-keep.ts). A search starts ≤ 512 (the longest
    // reach) before either and no pattern reads ~480 further back (bounded fillers: docs/masking.md,
    // "What a stream keeps"): none reads the window's first character, where `^`/`\b` lack context.
    let keepFrom = Math.min(holdAt, alive) - LOOKBEHIND;
    if (keepFrom >= TRIM) {
      this.docs.readFor(text, this.base, keepFrom + this.base);
      keepFrom = this.docs.keepFrom(keepFrom + this.base, end + this.base) - this.base;
    }
    if (keepFrom >= TRIM) {
      this.buf = text.slice(keepFrom);
      this.base += keepFrom;
      this.at -= keepFrom;
    }
    return out;
  }

  /** The first `n` held characters, removed from the pieces. */
  private take(n: number): string {
    const p = this.pieces;
    let out = '';
    let k = this.pieceHead;
    let skip = this.pieceSkip;
    while (n > 0) {
      const s = p[k]!;
      const rest = s.length - skip;
      if (rest <= n) {
        out += skip === 0 ? s : s.slice(skip);
        n -= rest;
        skip = 0;
        p[k++] = '';
      } else {
        out += s.slice(skip, skip + n);
        skip += n;
        n = 0;
      }
    }
    if (k >= PIECE_STEP) {
      p.splice(0, k);
      k = 0;
    }
    this.pieceHead = k;
    this.pieceSkip = skip;
    return out;
  }

  /**
   * The earliest position (in buf) from which text could still become part of a secret
   * (holdAt), the earliest start of a candidate in progress (holdAlive, for the next push's
   * search) and where the trailing word starts (runStart). (In fields, not a new object a push.)
   */
  private holdPoint(text: string, pendingStart: number, nearFrom: number, farFrom: number, findings: Finding[], g: Groups, longFrom: number): void {
    let hold = text.length;
    const end = text.length;
    for (let i = 0; i < findings.length; i++) if (findings[i]!.end >= end) hold = Math.min(hold, findings[i]!.start);

    // The trailing fragment of a word is held until the word ends: it may be the start
    // of a token. Complete ordinary words are not held. (Found first: the searches below
    // need not read it again for white space, none of its characters being any.)
    const tailFrom = Math.max(pendingStart, end - TAIL_WINDOW);
    let runStart = end;
    while (runStart > tailFrom && isRunChar(text.charCodeAt(runStart - 1))) runStart--;
    if (runStart < end) hold = Math.min(hold, runStart);
    // Partial candidates: a value shorter than its detector's minimum so far, a token
    // prefix followed by too few characters, a key whose value has not started yet.
    // Context after a value ("<value> is my API key") is each detector's own hold: held
    // only while the words after the value may still become that phrase.
    const open = openCandidates(text, farFrom < 0 ? g.near : g.short, pendingStart, Math.max(nearFrom, end - TAIL_WINDOW), undefined, this.carry, runStart);
    hold = Math.min(hold, open.at);
    let alive = open.earliest;
    if (farFrom >= 0) {
      const openFar = openCandidates(text, g.far, pendingStart, Math.max(farFrom, end - TAIL_WINDOW), undefined, this.carry, runStart);
      hold = Math.min(hold, openFar.at);
      alive = Math.min(alive, openFar.earliest);
    }
    if (longFrom >= 0) {
      const openLong = openCandidates(text, g.long, pendingStart, Math.max(longFrom, end - TAIL_WINDOW), undefined, this.carry, runStart);
      hold = Math.min(hold, openLong.at);
      alive = Math.min(alive, openLong.earliest);
    }
    for (let k = 0; k < g.holders.length; k++) {
      const memo = this.memos[k]!;
      memo.base = this.base;
      const h = g.holders[k]!.hold!(text, pendingStart, memo);
      if (h !== null && h !== undefined) hold = Math.min(hold, Math.max(h, pendingStart));
    }

    this.holdAt = Math.max(hold, pendingStart);
    this.holdAlive = alive;
    this.runStart = runStart;
  }

  /**
   * Where the far detectors' search starts: the first of their start characters in
   * [lo, hi), or -1 when there is none (then every far match that can reach the held text
   * starts at or after hi, and the near search from hi finds it), or lo when their matches
   * do not all begin with one known character.
   */
  private farFrom(g: Groups, text: string, lo: number, hi: number): number {
    if (g.farStarts === null) return lo < hi ? lo : -1;
    const seeks = this.farSeeks;
    let first = -1;
    for (let k = 0; k < seeks.length; k++) {
      const p = seeks[k]!.find(text, this.base, this.base + lo, this.base + hi);
      if (p >= 0 && (first < 0 || p < first)) first = p;
    }
    return first < 0 ? -1 : first - this.base;
  }

  /**
   * Where the first long-reach start literal at or after `from` (in buf) starts, or -1 when
   * there is none. Reads only new text.
   */
  private longFrom(g: Groups, text: string, from: number): number {
    const start = Math.max(0, this.longScanned - this.base - g.longest);
    g.hits.reset();
    this.carry.scan(g.literals, text, g.present, start, g.hits);
    const last = this.longHits.length ? this.longHits[this.longHits.length - 1]! : -1;
    const fresh: number[] = [];
    const lineOf = g.lineOf;
    for (let h = 0; h < g.hits.length; h++) {
      const at = this.base + g.hits.starts[h]!;
      // (A hook's line start: passed on once, the scan's overlap with the last push's left out.)
      if (lineOf.length > 0 && lineOf[g.hits.ids[h]!]! > 0) {
        const lines = this.memos[lineOf[g.hits.ids[h]!]! - 1]!.lines!;
        if (lines.length === 0 || at > lines[lines.length - 1]!) lines.push(at);
      } else if (at > last) fresh.push(at);
    }
    for (let k = 0; k < g.hits.seenCount; k++) g.present[g.hits.seen[k]!] = 0;
    this.longScanned = this.base + text.length;
    if (fresh.length) this.longHits.push(...fresh.sort((a, b) => a - b));
    // Hits further back than any search can start are dropped.
    const keep = this.base + text.length - TAIL_WINDOW - g.reach - MAX_CARRY;
    let k = 0;
    while (k < this.longHits.length && this.longHits[k]! < keep) k++;
    if (k > 0) this.longHits.splice(0, k);
    const lo = this.base + Math.max(0, from);
    for (const at of this.longHits) if (at >= lo) return at - this.base;
    return -1;
  }

}
