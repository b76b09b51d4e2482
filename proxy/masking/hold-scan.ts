/**
 * Streaming hold-back: where, near the end of a text that is still arriving, a candidate
 * secret may still be in progress (a value still shorter than its detector's minimum, a
 * token prefix with too few characters yet, a key whose value has not started).
 * Only a region at the end is searched (the streaming masker passes the part it has not
 * forwarded plus the start of any candidate still alive), on the whole text, so the
 * patterns' look-behinds still see the context before the region. Only detectors whose
 * keywords or prefixes occur in the region (or have begun at its very end) are tried, and
 * anchored patterns only where one of their start literals occurs. Pure apart from reused
 * scratch buffers (the search is synchronous).
 */
import { exactStarts, startsWithAny } from './anchors.js';
import type { Detector } from './detector.js';
import { enlist } from './detector-list.js';
import type { KeywordCarry } from './keyword-carry.js';
import { afterChecks, literalMayStart, nextStart, type AfterChecks } from './first-chars.js';
import { Hits, indexFor, type KeywordIndex } from './keywords.js';
import { anchorsOf, oneCharStart, sortHitsByStart, wants } from './scan.js';
import { Recent } from './recent.js';
import { isWhiteSpace } from './white-space.js';

const relaxedCache = new WeakMap<Detector, string>();

/**
 * The detector's pattern with minimum repetition counts lowered to 1 and anchored at the
 * end of the text: it matches a value that is still too short to judge (a stream that
 * has not delivered the whole secret yet). Returned as source (flags: the pattern's,
 * without g/y/d).
 */
function relaxedSource(d: Detector): string {
  let src = relaxedCache.get(d);
  if (src === undefined) {
    const body = d.pattern.source
      .replace(/\{(\d+),(\d*)\}/g, (m, a: string, b: string) => (Number(a) > 1 ? `{1,${b}}` : m))
      .replace(/\{(\d+)\}/g, (m, a: string) => (Number(a) > 1 ? `{1,${a}}` : m));
    // No `d` flag: building match indices is the costly part, and holding from the start of
    // the whole candidate (its key name included) is just as safe.
    src = `(?:${body})(?![\\s\\S])`;
    relaxedCache.set(d, src);
  }
  return src;
}

const baseFlags = (re: RegExp) => re.flags.replace(/[gyd]/g, '');

/** A search tried only at start-literal hits when it has them (see literalStarts), else from the region's start on. */
interface EndSearch {
  re: RegExp;
  /** Offset of this search's row in HoldPlan.startMask, or -1 when it is not anchored. */
  row: number;
  /** The row's number (its counter in HoldPlan.rowHits), or -1 when it is not anchored. */
  slot: number;
  /** An anchored search of a case-sensitive pattern: its start literals in their own case. */
  exact: string[] | null;
  /**
   * Anchored: what may follow each start literal in a match (charsAfter), by keyword id
   * (null: anything; undefined: not worked out yet). Not anchored, with one start character
   * (skipTo): at [0], what may follow it. Checked before the regex call.
   */
  after: AfterChecks;
  /** Not anchored, but every match begins with this one character (oneCharStart), or null. */
  skipTo: string | null;
}

interface HoldPlan {
  /** Detector keywords, token prefixes, and the start literals of the relaxed and tail patterns. */
  index: KeywordIndex;
  /** Per detector: the ids of its keywords and prefixes (null: always tried). */
  ids: Array<number[] | null>;
  relaxed: EndSearch[];
  tails: Array<EndSearch | null>;
  /** The same patterns searched everywhere (the reference). */
  relaxedAll: RegExp[];
  tailsAll: Array<RegExp | null>;
  startMask: Uint8Array;
  /** Per keyword id: the rows (HoldPlan.startMask's, by number) it is a start literal of. */
  startRows: Int32Array[];
  /**
   * Per row: the current search's hits at or after its region that the row starts with (zero
   * between searches), and the rows counted, as a list: a search whose row has none is not
   * called (its loop over every hit would find nothing to try).
   */
  rowHits: Int32Array;
  rowsCounted: Int32Array;
  /** Per keyword id: the detectors it gates; and the detectors tried always (null ids). */
  gateUsers: number[][];
  /**
   * gateUsers flat: keyword id k's detectors are gateList[gateAt[k], gateAt[k + 1]) (most seen
   * keywords are start literals that gate none: two loads, no array to step into).
   */
  gateAt: Int32Array;
  gateList: Int32Array;
  ungated: number[];
  hits: Hits;
  present: Uint8Array;
  /** Detectors to try in this search (reused, all zero between searches), and the same as a list. */
  run: Uint8Array;
  todo: Int32Array;
  /** The first of the current search's hits that starts at or after its region. */
  firstHit: number;
  /** Per detector: it has an applies() test; it is unbroken (Detector.unbroken). */
  applies: Uint8Array;
  unbroken: Uint8Array;
  /**
   * Per detector: every start literal of its relaxed and tail searches contains one of its
   * gating words, so the searches can find nothing unless that word occurs (see partialUsers).
   */
  gatedStarts: Uint8Array;
  /** Per automaton state (as filled in by partialUsers). */
  partialUsers: Map<number, readonly number[]>;
}
const holdPlans = new WeakMap<readonly Detector[], HoldPlan>();

const words = (d: Detector) => [...d.keywords, ...(d.prefixes ?? []).map((p) => p.toLowerCase())];
const relaxedPattern = (d: Detector) => new RegExp(relaxedSource(d), baseFlags(d.pattern));

/** The words a hold plan looks for: keywords, token prefixes, start literals of the relaxed and tail patterns. */
export function holdWords(detectors: readonly Detector[]): string[] {
  return [...detectors.flatMap(words), ...detectors.flatMap((d) => anchorsOf(relaxedPattern(d)) ?? []), ...detectors.flatMap((d) => (d.tail ? (anchorsOf(d.tail) ?? []) : []))];
}

/** The plans of the lists a stream searches at every push, found without the WeakMap lookup. */
const recentPlans = new Recent(4, holdPlanOf);
const holdPlanFor = (detectors: readonly Detector[]): HoldPlan => recentPlans.get(detectors);

function holdPlanOf(detectors: readonly Detector[]): HoldPlan {
  let f = holdPlans.get(detectors);
  if (f) return f;
  const relaxedRes = detectors.map(relaxedPattern);
  const relaxedLits = relaxedRes.map(anchorsOf);
  const tailLits = detectors.map((d) => (d.tail ? anchorsOf(d.tail) : null));
  const index = indexFor(detectors, holdWords(detectors));
  const rows = detectors.length * 2;
  const startMask = new Uint8Array(rows * index.size);
  const wanted = new Uint8Array(index.size);
  const search = (re: RegExp, lits: string[] | null, row: number): EndSearch => {
    if (!lits) {
      const skipTo = oneCharStart(re);
      return { re: new RegExp(re.source, baseFlags(re) + 'g'), row: -1, slot: -1, exact: null, after: afterChecks(re, null, skipTo), skipTo };
    }
    for (const l of lits) {
      const id = index.id(l);
      wanted[id] = 1;
      startMask[row * index.size + id] = 1;
    }
    return { re: new RegExp(re.source, baseFlags(re) + 'y'), row: row * index.size, slot: row, exact: exactStarts(re), after: afterChecks(re, index.size, null), skipTo: null };
  };
  const ids = detectors.map((d) => (d.keywords.length === 0 || d.keywords.includes('') ? null : words(d).map((k) => index.id(k)).filter((x) => x >= 0)));
  const gateUsers: number[][] = Array.from({ length: index.size }, () => []);
  ids.forEach((g, di) => {
    for (const id of new Set(g ?? [])) gateUsers[id]!.push(di);
  });
  f = {
    index,
    ids,
    gateUsers,
    gateAt: offsetsOf(gateUsers),
    gateList: Int32Array.from(gateUsers.flat()),
    ungated: ids.flatMap((g, di) => (g === null ? [di] : [])),
    run: new Uint8Array(detectors.length),
    todo: new Int32Array(detectors.length),
    firstHit: 0,
    applies: Uint8Array.from(detectors, (d) => (d.applies ? 1 : 0)),
    unbroken: Uint8Array.from(detectors, (d) => (d.unbroken ? 1 : 0)),
    gatedStarts: Uint8Array.from(detectors, (d, di) => {
      const gate = ids[di] ?? null;
      if (gate === null || gate.length === 0) return 0;
      const lits = [relaxedLits[di]!, ...(d.tail ? [tailLits[di]!] : [])];
      const gateWords = gate.map((id) => index.keywords[id]!);
      return lits.every((ls) => ls !== null && ls.every((l) => gateWords.some((w) => l.toLowerCase().includes(w)))) ? 1 : 0;
    }),
    partialUsers: new Map(),
    relaxed: relaxedRes.map((re, di) => search(re, relaxedLits[di]!, di * 2)),
    tails: detectors.map((d, di) => (d.tail ? search(d.tail, tailLits[di]!, di * 2 + 1) : null)),
    relaxedAll: relaxedRes.map((re) => new RegExp(re.source, baseFlags(re) + 'g')),
    tailsAll: detectors.map((d) => (d.tail ? new RegExp(d.tail.source, baseFlags(d.tail) + 'g') : null)),
    startMask,
    startRows: Array.from({ length: index.size }, (_, id) => Int32Array.from({ length: rows }, (_, r) => r).filter((r) => startMask[r * index.size + id] === 1)),
    rowHits: new Int32Array(rows),
    rowsCounted: new Int32Array(rows),
    hits: new Hits(wanted),
    present: new Uint8Array(index.size),
  };
  holdPlans.set(detectors, f);
  return f;
}

/** Where each list starts in the lists laid end to end, and (last) where they end. */
function offsetsOf(lists: readonly number[][]): Int32Array {
  const at = new Int32Array(lists.length + 1);
  for (let k = 0; k < lists.length; k++) at[k + 1] = at[k]! + lists[k]!.length;
  return at;
}

/**
 * The leftmost match of an end-anchored search starting at or after `region`. The regex is
 * called only where a match may begin as far as the first characters tell (first-chars.ts):
 * at a start literal followed by characters a match may have there; for a search with one
 * start character, from the first occurrence of that character that passes the same check
 * (a match cannot begin at any earlier one, so one global search from there finds the same
 * leftmost match). A region without such a place costs no regex call.
 */
function endMatch(s: EndSearch, text: string, region: number, plan: HoldPlan): RegExpExecArray | null {
  if (s.row < 0) {
    let from = region;
    if (s.skipTo !== null) {
      from = nextStart(text, s.skipTo, s.after[0] ?? null, region);
      if (from < 0) return null;
    }
    s.re.lastIndex = from;
    return s.re.exec(text);
  }
  const { hits, startMask } = plan;
  // (No hit of the row's start literals at or after the search's region: nothing to try.)
  if (plan.rowHits[s.slot] === 0) return null;
  const keywords = plan.index.keywords;
  for (let h = plan.firstHit; h < hits.length; h++) {
    const p = hits.starts[h]!;
    if (p < region) continue;
    const id = hits.ids[h]!;
    if (startMask[s.row + id] === 0) continue;
    if (s.exact !== null && !startsWithAny(text, p, s.exact)) continue;
    if (!literalMayStart(s.after, id, s.re, keywords[id]!, text, p)) continue;
    s.re.lastIndex = p;
    const m = s.re.exec(text);
    if (m) return m;
  }
  return null;
}

/**
 * The detectors gated by a keyword that the text ending in `state` has begun ("…secr" may
 * become "secret"), each once; worked out once per state (a state after a common letter
 * begins dozens of keywords). Left out: detectors whose searches are all anchored at start
 * literals that each contain one of the detector's gating words (`ghp_` of github-pat, `sk-`
 * of OpenAI's keys: most token prefixes). A hit of such a literal in the region contains a
 * gating word that starts at or after the gate, so that word is seen and lists the detector
 * anyway; listed only because a word has begun at the end, its searches have no hit to try
 * and find nothing (the reference tries them and finds nothing either).
 */
function partialUsers(plan: HoldPlan, state: number): readonly number[] {
  let u = plan.partialUsers.get(state);
  if (u === undefined) {
    u = [...new Set(plan.index.partialAt(state).flatMap((id) => plan.gateUsers[id]!))].filter((di) => plan.gatedStarts[di] === 0);
    plan.partialUsers.set(state, u);
  }
  return u;
}

/** Where candidates in progress at the end of a text start. */
export interface OpenCandidates {
  /** The hold point: the earliest candidate start at or after `from` (one that began before `from` holds from `from`), or text.length. */
  at: number;
  /** The earliest candidate start, before `from` or not (text.length: none). */
  earliest: number;
}

/**
 * The candidates in progress at the end of `text` that start in [region, end); a candidate
 * that began before `from` but reaches past it holds from `from`. Keywords (and start
 * literals) are looked for from `gate` on (≤ region: a keyword may sit in a look-behind).
 * `noSpaceFrom`: text[noSpaceFrom, end) is known to have no white space (the caller's
 * trailing word), so the last white space is looked for only before it.
 */
export function openCandidates(text: string, detectors: readonly Detector[], from: number, region: number, gate = region, carry?: KeywordCarry, noSpaceFrom = text.length): OpenCandidates {
  const earliest = new Earliest(text.length, from);
  const plan = holdPlanFor(detectors);
  const present = plan.present;
  const hits = plan.hits;
  hits.reset();
  const endState = carry ? carry.scan(plan.index, text, present, gate, hits) : plan.index.scan(text, present, gate, text.length, hits);
  sortHitsByStart(hits);
  // The first hit at or after the region (hits are in order of where they start).
  let first = 0;
  while (first < hits.length && hits.starts[first]! < region) first++;
  plan.firstHit = first;
  // The detectors whose keywords or prefixes occur (or have begun at the end), and the ungated:
  // marked from the keywords seen rather than asking every detector.
  // (Listed as they are marked: the earliest candidate does not depend on the order they are tried in.)
  const run = plan.run;
  const todo = plan.todo;
  let n = 0;
  for (const di of plan.ungated) n = enlist(run, todo, n, di);
  const { gateAt, gateList } = plan;
  for (let k = 0; k < hits.seenCount; k++) {
    const id = hits.seen[k]!;
    for (let u = gateAt[id]!, e = gateAt[id + 1]!; u < e; u++) n = enlist(run, todo, n, gateList[u]!);
  }
  for (const di of partialUsers(plan, endState)) n = enlist(run, todo, n, di);
  let afterSpace = -1;
  const rowHits = plan.rowHits;
  const counted = plan.rowsCounted;
  let rows = 0;
  try {
    // Each anchored search's hits at or after the region, counted by row: most detectors
    // listed have none (listed by a keyword, or one begun at the end, not by a start literal).
    for (let h = first; h < hits.length; h++) {
      const r = plan.startRows[hits.ids[h]!]!;
      for (let k = 0; k < r.length; k++) if (rowHits[r[k]!]!++ === 0) counted[rows++] = r[k]!;
    }
    for (let k = 0; k < n; k++) {
      const di = todo[k]!;
      const rs = plan.relaxed[di]!;
      const ts = plan.tails[di] ?? null;
      // Every search anchored and none with a hit: nothing can be found (and applies() is a
      // pure test, so skipping it changes nothing).
      if (rs.slot >= 0 && rowHits[rs.slot] === 0 && (ts === null || (ts.slot >= 0 && rowHits[ts.slot] === 0))) continue;
      // (Per-detector facts read from the plan: detectors come in many shapes, and reading
      // them off each detector is a megamorphic property load per detector tried.)
      if (plan.applies[di] === 1 && !detectors[di]!.applies!(text)) continue;
      // A candidate without white space starts after the last white space (found once per search).
      const unbroken = plan.unbroken[di] === 1;
      if (unbroken && afterSpace < 0) afterSpace = afterLastSpace(text, region, noSpaceFrom);
      const start = unbroken ? afterSpace : region;
      const m = endMatch(rs, text, start, plan);
      if (m) earliest.candidate(m.index, m.index + m[0].length);
      if (ts) {
        const t = endMatch(ts, text, start, plan);
        if (t) earliest.candidate(t.index, text.length);
      }
    }
  } finally {
    for (let k = 0; k < hits.seenCount; k++) present[hits.seen[k]!] = 0;
    for (let k = 0; k < n; k++) run[todo[k]!] = 0;
    for (let k = 0; k < rows; k++) rowHits[counted[k]!] = 0;
  }
  return { at: earliest.at, earliest: earliest.min };
}

/**
 * Where the text after its last white space (JavaScript's \s) at or after `region` starts
 * (region when there is none); text[before, end) has none, so the search starts there.
 */
function afterLastSpace(text: string, region: number, before: number): number {
  for (let i = Math.min(before, text.length) - 1; i >= region; i--) if (isWhiteSpace(text.charCodeAt(i))) return i + 1;
  return region;
}

/** openCandidates() with every pattern searched from the region's start: the reference the anchored one is held to. */
export function openCandidatesReference(text: string, detectors: readonly Detector[], from: number, region: number, gate = region): OpenCandidates {
  const earliest = new Earliest(text.length, from);
  const plan = holdPlanFor(detectors);
  const present = new Uint8Array(plan.index.size);
  for (const id of plan.index.partialAt(plan.index.scan(text, present, gate))) present[id] = 1;
  const first = (re: RegExp) => {
    re.lastIndex = region;
    return re.exec(text);
  };
  detectors.forEach((d, di) => {
    if (!wants(plan.ids[di]!, present)) return;
    if (d.applies && !d.applies(text)) return;
    const m = first(plan.relaxedAll[di]!);
    if (m) earliest.candidate(m.index, m.index + m[0].length);
    const tail = plan.tailsAll[di];
    const t = tail ? first(tail) : null;
    if (t) earliest.candidate(t.index, text.length);
  });
  return { at: earliest.at, earliest: earliest.min };
}

/** The earliest hold point at or after `from`: a candidate that began before `from` but reaches past it holds from `from`. */
class Earliest {
  min: number;
  constructor(
    public at: number,
    private readonly from: number,
  ) {
    this.min = at;
  }

  candidate(start: number, end: number): void {
    if (start < this.min) this.min = start;
    if (start >= this.from) this.at = Math.min(this.at, start);
    else if (end > this.from) this.at = Math.min(this.at, this.from);
  }
}
