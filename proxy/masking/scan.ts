/**
 * Finding secrets in text: run every detector whose keywords occur, collect the secret
 * spans, merge overlaps (the most specific detector names the merged span). Pure apart
 * from reused scratch buffers (scans are synchronous).
 * A detector whose matches all begin with known literals (anchors.ts) is tried only where
 * one occurs, found in the same keyword pass; the others are searched from `from` on.
 */
import { groupsInLookarounds, literalStarts } from './anchors.js';
import type { Detector } from './detector.js';
import { Hits, KeywordIndex } from './keywords.js';

export interface Finding {
  type: string;
  start: number;
  end: number;
  priority: number;
}

const GROUPS = ['secret', 's1', 's2', 's3', 's4', 'p1', 'p2'] as const;

export function scan(text: string, detectors: readonly Detector[]): Finding[] {
  return scanOpen(text, detectors).findings;
}

/**
 * Like scan(), and also where the earliest candidate that reaches the end of the text starts
 * (`openFrom`), validated or not: in a stream that text may still grow into a secret.
 */
export function scanOpen(text: string, detectors: readonly Detector[], from = 0): { findings: Finding[]; openFrom: number } {
  const out = { findings: [] as Finding[], openFrom: text.length };
  if (text.length === 0 || from >= text.length) return out;
  // A match contains one of its detector's keywords, so only the scanned part needs them
  // (except for detectors whose keywords are far-away context). The same pass records
  // where the anchored detectors' start literals occur.
  const plan = planFor(detectors);
  const present = plan.present;
  const hits = plan.hits;
  hits.reset();
  plan.index.scan(text, present, from, text.length, hits);
  // The detectors worth running: those gated by a keyword that occurs, and the ungated.
  const run = plan.run;
  for (const di of plan.ungated) run[di] = 1;
  for (const id of hits.seen) for (const di of plan.gateUsers[id]!) run[di] = 1;
  if (plan.contextual.length) {
    const all = from === 0 ? present : new Uint8Array(plan.index.size);
    if (from !== 0) plan.index.scan(text, all, 0);
    for (const di of plan.contextual) run[di] = wants(plan.gates[di]!, all) ? 1 : 0;
  }
  const raw: Finding[] = [];
  try {
    sortHitsByStart(hits);
    for (let di = 0; di < detectors.length; di++) {
      if (run[di] === 0) continue;
      run[di] = 0;
      const d = detectors[di]!;
      if (d.applies && !d.applies(text)) continue;
      const search = plan.search[di]!;
      if (search.sticky) {
        if (hits.length) runAnchored(d, search, text, hits, plan.startMask, di * plan.index.size, raw, out);
      } else runGlobal(d, search, text, from, raw, out);
    }
  } finally {
    // The buffers are shared by every scan: leave them clean even if a validator threw.
    for (const id of hits.seen) present[id] = 0;
    run.fill(0);
  }
  out.findings = mergeFindings(raw);
  return out;
}

/**
 * The detector's regex searched from `from` to the end: for detectors without start
 * literals, and the reference the anchored search must match exactly (a test holds them equal).
 */
function runGlobal(d: Detector, s: Search, text: string, from: number, raw: Finding[], out: { openFrom: number }): void {
  const re = s.re;
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    accept(d, s, m, text, raw, out);
  }
}

/**
 * The same search, tried only where a start literal occurs (sorted positions): a global
 * search could not match anywhere else, and after a match it resumes at the same place.
 */
function runAnchored(d: Detector, s: Search, text: string, hits: Hits, startMask: Uint8Array, base: number, raw: Finding[], out: { openFrom: number }): void {
  const re = s.re;
  const ids = hits.ids;
  const starts = hits.starts;
  let next = 0;
  for (let h = 0; h < hits.length; h++) {
    if (startMask[base + ids[h]!] === 0) continue;
    const p = starts[h]!;
    if (p < next) continue;
    re.lastIndex = p;
    const m = re.exec(text);
    if (m === null) continue;
    if (m[0].length === 0) {
      next = p + 1;
      continue;
    }
    accept(d, s, m, text, raw, out);
    next = re.lastIndex;
  }
}

function accept(d: Detector, s: Search, m: RegExpExecArray, text: string, raw: Finding[], out: { openFrom: number }): void {
  const re = s.re;
  let span = m.indices ? secretSpan(m) : quickSpan(m, s.lookGroups);
  if (span === null) {
    // Where the secret group lies is not clear from the strings: ask the engine for indices
    // (the same regex at the same position matches the same way).
    s.exact.lastIndex = m.index;
    const md = s.exact.exec(text);
    span = md ? secretSpan(md) : null;
    if (span === null) return;
  }
  if (re.lastIndex >= text.length && span[0] < out.openFrom) out.openFrom = span[0];
  if (span[1] > span[0]) {
    const secret = text.slice(span[0], span[1]);
    if (!d.validate || d.validate(secret, { text, start: span[0], end: span[1], matchStart: m.index })) {
      raw.push({ type: d.id, start: span[0], end: span[1], priority: d.priority });
    }
  }
  // Allow overlapping candidates from the same detector to be found past this secret.
  if (span[0] + 1 > m.index && span[0] + 1 < re.lastIndex) re.lastIndex = span[1];
}

/**
 * Puts the hits in order of where they start (they come in order of where they end, so
 * only literals of different lengths can be out of place: insertion sort).
 */
function sortHitsByStart(hits: Hits): void {
  const ids = hits.ids;
  const starts = hits.starts;
  for (let i = 1; i < hits.length; i++) {
    const st = starts[i]!;
    if (st >= starts[i - 1]!) continue;
    const id = ids[i]!;
    let j = i - 1;
    while (j >= 0 && starts[j]! > st) {
      starts[j + 1] = starts[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    starts[j + 1] = st;
    ids[j + 1] = id;
  }
}

/**
 * A detector's search: its pattern without match indices (building them costs more than
 * the match; see quickSpan), sticky when the detector is anchored, plus a sticky copy with
 * indices for the rare match whose secret position is ambiguous.
 */
interface Search {
  re: RegExp;
  sticky: boolean;
  exact: RegExp;
  lookGroups: ReadonlySet<string>;
}

interface Plan {
  /** Keywords and start literals of every detector, in one automaton. */
  index: KeywordIndex;
  /** Per detector: its keyword ids, or null when it always runs. */
  gates: Array<number[] | null>;
  /** Per detector: how it is searched. */
  search: Search[];
  /** [detector × keyword id]: 1 when the keyword is one of the detector's start literals. */
  startMask: Uint8Array;
  /** Per keyword id: the detectors it gates (contextual ones excepted). */
  gateUsers: number[][];
  /** Detectors without keywords (always run) and with context keywords (whole-text gate). */
  ungated: number[];
  contextual: number[];
  /** Reused buffers (scanning is synchronous): hits, keyword presence, detectors to run. */
  hits: Hits;
  present: Uint8Array;
  run: Uint8Array;
}

const plans = new WeakMap<readonly Detector[], Plan>();

/**
 * Anchors are used when every start literal has at least two characters: a one-character
 * literal ("-", "<") occurs so often that one regex search over the text costs less.
 */
const MIN_ANCHOR = 2;

/** The start literals a search is anchored on, or null when it is searched everywhere. */
function anchorsOf(re: RegExp): string[] | null {
  const lits = literalStarts(re);
  return lits && lits.every((l) => l.length >= MIN_ANCHOR) ? lits : null;
}

function planFor(detectors: readonly Detector[]): Plan {
  let p = plans.get(detectors);
  if (p) return p;
  const starts = detectors.map((d) => anchorsOf(d.pattern));
  const index = new KeywordIndex([...detectors.flatMap((d) => d.keywords), ...starts.flatMap((s) => s ?? [])]);
  const startMask = new Uint8Array(detectors.length * index.size);
  const wanted = new Uint8Array(index.size);
  const search = detectors.map((d, di): Search => {
    const lits = starts[di];
    for (const l of lits ?? []) {
      const id = index.id(l);
      wanted[id] = 1;
      startMask[di * index.size + id] = 1;
    }
    const base = d.pattern.flags.replace(/[dgy]/g, '');
    return { re: new RegExp(d.pattern.source, base + (lits ? 'y' : 'g')), sticky: lits !== null, exact: new RegExp(d.pattern.source, base + 'dy'), lookGroups: groupsInLookarounds(d.pattern) };
  });
  const gates = detectors.map((d) => (d.keywords.length === 0 || d.keywords.includes('') ? null : d.keywords.map((k) => index.id(k)).filter((x) => x >= 0)));
  const gateUsers: number[][] = Array.from({ length: index.size }, () => []);
  gates.forEach((g, di) => {
    if (g && !detectors[di]!.contextKeywords) for (const id of new Set(g)) gateUsers[id]!.push(di);
  });
  p = {
    index,
    gates,
    search,
    gateUsers,
    ungated: gates.flatMap((g, di) => (g === null ? [di] : [])),
    contextual: detectors.flatMap((d, di) => (d.contextKeywords && gates[di] !== null ? [di] : [])),
    present: new Uint8Array(index.size),
    run: new Uint8Array(detectors.length),
    startMask,
    hits: new Hits(wanted),
  };
  plans.set(detectors, p);
  return p;
}

/** The keyword automaton and per-detector gates (for a cheap "could anything match" test). */
export function prefilterFor(detectors: readonly Detector[]): { index: KeywordIndex; ids: Array<number[] | null> } {
  const p = planFor(detectors);
  return { index: p.index, ids: p.gates };
}

/** scanOpen() with every detector searched globally: the reference the anchored search is held to. */
export function scanReference(text: string, detectors: readonly Detector[], from = 0): { findings: Finding[]; openFrom: number } {
  const out = { findings: [] as Finding[], openFrom: text.length };
  if (text.length === 0 || from >= text.length) return out;
  const { index, gates, search } = planFor(detectors);
  const present = new Uint8Array(index.size);
  index.scan(text, present, from);
  const presentAll = new Uint8Array(index.size);
  index.scan(text, presentAll, 0);
  const raw: Finding[] = [];
  detectors.forEach((d, di) => {
    if (!wants(gates[di]!, d.contextKeywords ? presentAll : present)) return;
    if (d.applies && !d.applies(text)) return;
    runGlobal(d, { ...search[di]!, re: d.pattern }, text, from, raw, out);
  });
  out.findings = mergeFindings(raw);
  return out;
}

function wants(ids: number[] | null, present: Uint8Array): boolean {
  if (ids === null) return true;
  for (const id of ids) if (present[id]) return true;
  return false;
}

const relaxedCache = new WeakMap<Detector, RegExp>();

/**
 * The detector's pattern with minimum repetition counts lowered to 1 and anchored at the
 * end of the text: it matches a value that is still too short to judge (a stream that
 * has not delivered the whole secret yet).
 */
function relaxed(d: Detector): RegExp {
  let re = relaxedCache.get(d);
  if (!re) {
    const src = d.pattern.source
      .replace(/\{(\d+),(\d*)\}/g, (m, a: string, b: string) => (Number(a) > 1 ? `{1,${b}}` : m))
      .replace(/\{(\d+)\}/g, (m, a: string) => (Number(a) > 1 ? `{1,${a}}` : m));
    // No `d` flag: building match indices is the costly part, and holding from the start of
    // the whole candidate (its key name included) is just as safe.
    re = new RegExp(`(?:${src})(?![\\s\\S])`, d.pattern.flags.replace(/[gyd]/g, ''));
    relaxedCache.set(d, re);
  }
  return re;
}

/** A search that is tried only at start-literal hits when it has them (see literalStarts), else everywhere. */
interface EndSearch {
  re: RegExp;
  /** Offset of this search's row in HoldPlan.startMask, or -1 when it is not anchored. */
  row: number;
}

interface HoldPlan {
  /** Detector keywords, token prefixes, and the start literals of the relaxed and tail patterns. */
  index: KeywordIndex;
  /** Per detector: the ids of its keywords and prefixes (null: always tried). */
  ids: Array<number[] | null>;
  relaxed: EndSearch[];
  tails: Array<EndSearch | null>;
  startMask: Uint8Array;
  hits: Hits;
  present: Uint8Array;
}
const holdPlans = new WeakMap<readonly Detector[], HoldPlan>();

/** Triggers for streaming hold-back: a detector's keywords and its token prefixes. */
function holdPlanFor(detectors: readonly Detector[]): HoldPlan {
  let f = holdPlans.get(detectors);
  if (f) return f;
  const words = (d: Detector) => [...d.keywords, ...(d.prefixes ?? []).map((p) => p.toLowerCase())];
  const relaxedRes = detectors.map((d) => relaxed(d));
  const relaxedLits = relaxedRes.map(anchorsOf);
  const tailLits = detectors.map((d) => (d.tail ? anchorsOf(d.tail) : null));
  const index = new KeywordIndex([...detectors.flatMap(words), ...relaxedLits.flatMap((l) => l ?? []), ...tailLits.flatMap((l) => l ?? [])]);
  const rows = detectors.length * 2;
  const startMask = new Uint8Array(rows * index.size);
  const wanted = new Uint8Array(index.size);
  const search = (re: RegExp, lits: string[] | null, row: number): EndSearch => {
    if (!lits) return { re, row: -1 };
    for (const l of lits) {
      const id = index.id(l);
      wanted[id] = 1;
      startMask[row * index.size + id] = 1;
    }
    return { re: new RegExp(re.source, re.flags.replace(/[gy]/g, '') + 'y'), row: row * index.size };
  };
  f = {
    index,
    ids: detectors.map((d) => (d.keywords.length === 0 || d.keywords.includes('') ? null : words(d).map((k) => index.id(k)).filter((x) => x >= 0))),
    relaxed: relaxedRes.map((re, di) => search(re, relaxedLits[di]!, di * 2)),
    tails: detectors.map((d, di) => (d.tail ? search(d.tail, tailLits[di]!, di * 2 + 1) : null)),
    startMask,
    hits: new Hits(wanted),
    present: new Uint8Array(index.size),
  };
  holdPlans.set(detectors, f);
  return f;
}

/** The leftmost match of an end-anchored search in `tail`, trying only start-literal hits when anchored. */
function endMatch(s: EndSearch, tail: string, plan: HoldPlan): RegExpExecArray | null {
  if (s.row < 0) {
    s.re.lastIndex = 0;
    return s.re.exec(tail);
  }
  const { hits, startMask } = plan;
  for (let h = 0; h < hits.length; h++) {
    if (startMask[s.row + hits.ids[h]!] === 0) continue;
    s.re.lastIndex = hits.starts[h]!;
    const m = s.re.exec(tail);
    if (m) return m;
  }
  return null;
}

/**
 * Where the earliest candidate still in progress at the end of `text` starts (from `from`
 * on), or text.length: a value still shorter than its detector's minimum, a token prefix
 * with too few characters yet, a key whose value has not started. Only the last `window`
 * characters are searched, and only detectors whose keywords or prefixes occur there
 * (or have begun at the very end) are tried.
 */
export function openCandidateStart(text: string, detectors: readonly Detector[], from: number, window = 600): number {
  const start = Math.max(0, text.length - window);
  const tail = text.slice(start);
  const earliest = new Earliest(text.length, from);
  const plan = holdPlanFor(detectors);
  const present = plan.present;
  const hits = plan.hits;
  hits.reset();
  const endState = plan.index.scan(tail, present, 0, tail.length, hits);
  sortHitsByStart(hits);
  const partial = plan.index.partialAt(endState); // "…secr" may become "secret"
  for (const id of partial) present[id] = 1;
  try {
    for (let di = 0; di < detectors.length; di++) {
      if (!wants(plan.ids[di]!, present)) continue;
      const m = endMatch(plan.relaxed[di]!, tail, plan);
      if (m) earliest.candidate(start + m.index, start + m.index + m[0].length);
      const ts = plan.tails[di];
      if (ts) {
        const t = endMatch(ts, tail, plan);
        if (t) earliest.candidate(start + t.index, text.length);
      }
    }
  } finally {
    for (const id of hits.seen) present[id] = 0;
    for (const id of partial) present[id] = 0;
  }
  return earliest.at;
}

/** The earliest hold point at or after `from`: a candidate that began before `from` but reaches past it holds from `from`. */
class Earliest {
  constructor(
    public at: number,
    private readonly from: number,
  ) {}

  candidate(start: number, end: number): void {
    if (start >= this.from) this.at = Math.min(this.at, start);
    else if (end > this.from) this.at = Math.min(this.at, this.from);
  }
}

/** openCandidateStart() with every pattern searched everywhere: the reference the anchored one is held to. */
export function openCandidateStartReference(text: string, detectors: readonly Detector[], from: number, window = 600): number {
  const start = Math.max(0, text.length - window);
  const tail = text.slice(start);
  const earliest = new Earliest(text.length, from);
  const plan = holdPlanFor(detectors);
  const present = new Uint8Array(plan.index.size);
  for (const id of plan.index.partialAt(plan.index.scan(tail, present))) present[id] = 1;
  detectors.forEach((d, di) => {
    if (!wants(plan.ids[di]!, present)) return;
    const m = relaxed(d).exec(tail);
    if (m) earliest.candidate(start + m.index, start + m.index + m[0].length);
    const t = d.tail?.exec(tail);
    if (t) earliest.candidate(start + t.index, text.length);
  });
  return earliest.at;
}

/**
 * The secret's span from the match's strings alone: the first defined secret group, when
 * its text occurs exactly once in the match (so its position is certain); null when that
 * cannot be told (a group in a look-around, a repeated or empty value).
 */
function quickSpan(m: RegExpExecArray, lookGroups: ReadonlySet<string>): [number, number] | null {
  const g = m.groups;
  if (g !== undefined) {
    if (g.from !== undefined) return null;
    for (const name of GROUPS) {
      const v = g[name];
      if (v === undefined) continue;
      if (v.length === 0 || lookGroups.has(name)) return null;
      const whole = m[0];
      const i = whole.indexOf(v);
      if (i < 0 || whole.indexOf(v, i + 1) >= 0) return null;
      return [m.index + i, m.index + i + v.length];
    }
  }
  return [m.index, m.index + m[0].length];
}

function secretSpan(m: RegExpExecArray): [number, number] | null {
  const idx = m.indices?.groups;
  // `from`: the secret starts in a look-behind group and runs to the end of the match.
  if (idx?.from && m.indices) return [idx.from[0], m.indices[0]![1]];
  if (idx) {
    for (const g of GROUPS) {
      const span = idx[g];
      if (span) return span;
    }
  }
  return m.indices ? (m.indices[0] as [number, number]) : [m.index, m.index + m[0].length];
}

/** Sorted, non-overlapping; overlapping or touching-inside spans become one. */
function mergeFindings(raw: Finding[]): Finding[] {
  if (raw.length <= 1) return raw;
  raw.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  for (const f of raw) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) {
      if (f.end > last.end) last.end = f.end;
      if (f.priority > last.priority) {
        last.priority = f.priority;
        last.type = f.type;
      }
    } else {
      out.push({ ...f });
    }
  }
  return out;
}
