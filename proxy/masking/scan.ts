/**
 * Finding secrets in text: run every detector whose keywords occur, collect the secret
 * spans, merge overlaps (the most specific detector names the merged span). Pure apart
 * from reused scratch buffers (scans are synchronous).
 * A detector whose matches all begin with known literals (anchors.ts) is tried only where
 * one occurs, found in the same keyword pass; the others are searched from `from` on.
 */
import { exactStarts, groupsInLookarounds, literalStarts, startsWithAny } from './anchors.js';
import type { Detector } from './detector.js';
import { enlist, sortSmall } from './detector-list.js';
import { literalChecks } from './chars-before.js';
import { afterChecks, type AfterChecks, mayStartAt, nextStart } from './first-chars.js';
import type { KeywordCarry } from './keyword-carry.js';
import { type Finding, mergeFindings, type OpenScan, quickSpan, type Raw, secretSpan } from './findings.js';
import { Hits, indexFor, KeywordIndex } from './keywords.js';
import { Recent } from './recent.js';

export { mergeScans } from './findings.js';
export type { Finding, OpenScan } from './findings.js';

export function scan(text: string, detectors: readonly Detector[]): Finding[] {
  return scanOpen(text, detectors).findings;
}

interface Out {
  openFrom: number;
  openMatchFrom: number;
}

/**
 * Like scan(), and also where the earliest candidate that reaches the end of the text starts
 * (`openFrom`), validated or not: in a stream that text may still grow into a secret.
 */
export function scanOpen(text: string, detectors: readonly Detector[], from = 0, carry?: KeywordCarry): OpenScan {
  const out: OpenScan = { findings: [], matchStarts: [], openFrom: text.length, openMatchFrom: text.length };
  if (text.length === 0 || from >= text.length) return out;
  // A match contains one of its detector's keywords, so only the scanned part needs them
  // (except for detectors whose keywords are far-away context). The same pass records
  // where the anchored detectors' start literals occur.
  const plan = recentPlans.get(detectors);
  const present = plan.present;
  const hits = plan.hits;
  hits.reset();
  if (carry) carry.scan(plan.index, text, present, from, hits);
  else plan.index.scanText(text, present, from, text.length, hits);
  // The detectors worth running: those gated by a keyword that occurs, and the ungated.
  // (Marked in `run` and listed in `todo`, then tried in detector order: a list of the few
  // marked is cheaper than a pass over every detector, twice per streamed push.)
  const run = plan.run;
  const todo = plan.todo;
  let n = 0;
  for (const di of plan.ungated) n = enlist(run, todo, n, di);
  for (let k = 0; k < hits.seenCount; k++) for (const di of plan.gateUsers[hits.seen[k]!]!) n = enlist(run, todo, n, di);
  if (plan.contextual.length) {
    const all = from === 0 ? present : new Uint8Array(plan.index.size);
    if (from !== 0) plan.index.scan(text, all, 0);
    for (const di of plan.contextual) if (wants(plan.gates[di]!, all)) n = enlist(run, todo, n, di);
  }
  sortSmall(todo, n);
  const raw: Raw[] = [];
  try {
    sortHitsByStart(hits);
    if (hits.length) bucketHits(plan, hits);
    const count = plan.count;
    for (let k = 0; k < n; k++) {
      const di = todo[k]!;
      const d = detectors[di]!;
      const search = plan.search[di]!;
      // (An anchored detector without a hit of its start literals has nothing to try: its
      // applies() test, a pure one, is not asked.)
      if (search.sticky && count[di] === 0) continue;
      if (plan.applies[di] === 1 && !d.applies!(text)) continue;
      if (search.sticky) runAnchored(d, search, text, hits, plan.index, plan.bucket, plan.lo[di]!, plan.lo[di]! + count[di]!, raw, out);
      else if (search.skipTo !== null) runSkipping(d, search, search.skipTo, text, from, raw, out);
      else runGlobal(d, search, text, from, raw, out);
    }
  } finally {
    // The buffers are shared by every scan: leave them clean even if a validator threw.
    for (let k = 0; k < hits.seenCount; k++) present[hits.seen[k]!] = 0;
    for (let k = 0; k < n; k++) run[todo[k]!] = 0;
    if (plan.touched.length !== 0) {
      for (const di of plan.touched) plan.count[di] = 0;
      plan.touched.length = 0;
    }
  }
  if (raw.length !== 0) mergeFindings(raw, out); // (nothing found: the empty arrays stand)
  return out;
}

/**
 * The detector's regex searched from `from` to the end: for detectors without start
 * literals, and the reference the anchored search must match exactly (a test holds them equal).
 */
function runGlobal(d: Detector, s: Search, text: string, from: number, raw: Raw[], out: Out): void {
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
 * runGlobal for a regex whose every match begins with one character (`ch`, in one case):
 * the search tried (sticky) only where that character occurs, found with indexOf (a memchr-
 * like search, several times faster than the regex engine stepping through the text). A
 * global search could match nowhere else, and the regex at a position matches the same way
 * sticky or not (look-behinds still see the text before it); after a match the search goes
 * on from the same place.
 */
function runSkipping(d: Detector, s: Search, ch: string, text: string, from: number, raw: Raw[], out: Out): void {
  const re = s.re;
  let p = from;
  const after = s.after[0] ?? null;
  while ((p = nextStart(text, ch, after, p)) >= 0) {
    re.lastIndex = p;
    const m = re.exec(text);
    if (m === null || m[0].length === 0) {
      p++;
      continue;
    }
    accept(d, s, m, text, raw, out);
    p = re.lastIndex;
  }
}

/**
 * Sorts the hits (in order of where they start) into one bucket per anchored detector that
 * will run: the hits of its start literals, in the same order. Each detector then visits
 * only its own hits instead of every hit of every literal. Bucket di is
 * plan.bucket[plan.lo[di], plan.lo[di] + plan.count[di]); the cost is proportional to the
 * hits, not to the detectors. Returns the detectors with a bucket (their counts are reset
 * by the caller).
 */
function bucketHits(plan: Plan, hits: Hits): number[] {
  const { run, count, lo, fill, touched } = plan;
  const users = plan.startUsers;
  const ids = hits.ids;
  let total = 0;
  for (let h = 0; h < hits.length; h++) {
    const u = users[ids[h]!]!;
    for (let k = 0; k < u.length; k++) {
      const di = u[k]!;
      if (run[di] !== 0) {
        if (count[di] === 0) touched.push(di);
        count[di]!++;
        total++;
      }
    }
  }
  let off = 0;
  for (const di of touched) {
    lo[di] = fill[di] = off;
    off += count[di]!;
  }
  if (plan.bucket.length < total) plan.bucket = new Int32Array(Math.max(total, plan.bucket.length * 2));
  const bucket = plan.bucket;
  for (let h = 0; h < hits.length; h++) {
    const u = users[ids[h]!]!;
    for (let k = 0; k < u.length; k++) {
      const di = u[k]!;
      if (run[di] !== 0) bucket[fill[di]!++] = h;
    }
  }
  return touched;
}

/**
 * The same search, tried only where a start literal occurs (the detector's bucket of hit
 * indices, in order of where they start): a global search could not match anywhere else,
 * and after a match it resumes at the same place. Where the character before the literal
 * cannot precede any match (chars-before.ts, read off the look-behinds: "token" in
 * `auth_token` for "my token is …") or those after it cannot continue one (first-chars.ts:
 * "key" in `keyof`), both in s.after, the regex is not called: it could only have failed.
 */
function runAnchored(d: Detector, s: Search, text: string, hits: Hits, index: KeywordIndex, bucket: Int32Array, lo: number, hi: number, raw: Raw[], out: Out): void {
  const re = s.re;
  const starts = hits.starts;
  const ids = hits.ids;
  const after = s.after;
  const keywords = index.keywords;
  let next = 0;
  for (let b = lo; b < hi; b++) {
    const h = bucket[b]!;
    const p = starts[h]!;
    if (p < next) continue;
    if (s.exactStarts !== null && !startsWithAny(text, p, s.exactStarts)) continue;
    const id = ids[h]!;
    let fc = after[id];
    if (fc === undefined) fc = after[id] = literalChecks(d.pattern, keywords[id]!);
    if (fc !== null) {
      // The character before the literal, then those after it (a table lookup inline: a
      // call per candidate costs what the skipped regex calls save, see docs/benchmarks.md).
      if (p !== 0) {
        const c = text.charCodeAt(p - 1);
        const k = c < 128 ? c : 128;
        if ((fc.before[k >> 5]! & (1 << (k & 31))) === 0) continue;
      }
      if (!mayStartAt(fc, text, p + fc.skip)) continue;
    }
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

/**
 * Records a match's finding (when its secret passes the validator) and sets where the search
 * resumes (re.lastIndex; runAnchored and runSkipping read it back): right after the match's
 * start, whatever the match (accepted, rejected by the validator, an empty secret, none).
 *
 * Why: a stream searches each push from a bounded reach before the held text, not from the
 * text's start, and its output must be what whole-text masking gives. If a match consumed
 * the text after its start, whether a later position is tried would depend on where a chain
 * of earlier matches began, however far back: a long rejected quoted value (`pass ="…` up to
 * the next quote) swallowed the key name of a match starting inside it, and so did an
 * accepted one (up to its secret's end, the old rule for accepted matches); a stream whose
 * search began inside the swallowing match found and masked the swallowed one. With nothing
 * consumed, the matches tried at a position p are the regex's (sticky) match at p, for every
 * p the search reaches: a search from `from` finds exactly the matches at or after `from`
 * that a search from any earlier point finds, so a stream that starts its search at or before
 * a match's start (the detector's reach) finds it. Resuming at the secret's start (or end)
 * instead would still let a match's key name (60 characters and more) or secret swallow a
 * match starting inside it. Overlapping matches of one detector give overlapping findings,
 * merged into one (mergeFindings), as overlaps between detectors always were.
 * Cost: the text of each match is searched again from its second character (the regex
 * engine skips to the next possible start; the anchored and skipping searches visit their
 * next literal or character inside it); its validator may run again on the same secret.
 */
function accept(d: Detector, s: Search, m: RegExpExecArray, text: string, raw: Raw[], out: Out): void {
  const re = s.re;
  const matchEnd = re.lastIndex;
  re.lastIndex = m.index + 1; // whatever the match (above)
  let span = m.indices ? secretSpan(m) : quickSpan(m, s.lookGroups);
  if (span === null) {
    // Where the secret group lies is not clear from the strings: ask the engine for indices
    // (the same regex at the same position matches the same way).
    s.exact.lastIndex = m.index;
    const md = s.exact.exec(text);
    span = md ? secretSpan(md) : null;
    if (span === null) return;
  }
  const from = Math.min(m.index, span[0]);
  if (matchEnd >= text.length) {
    if (span[0] < out.openFrom) out.openFrom = span[0];
    if (from < out.openMatchFrom) out.openMatchFrom = from;
  }
  if (span[1] > span[0]) {
    const secret = text.slice(span[0], span[1]);
    if (!d.validate || d.validate(secret, { text, start: span[0], end: span[1], matchStart: m.index })) {
      raw.push({ type: d.id, start: span[0], end: span[1], priority: d.priority, from });
    }
  }
}

/**
 * Puts the hits in order of where they start (they come in order of where they end, so
 * only literals of different lengths can be out of place: insertion sort).
 */
export function sortHitsByStart(hits: Hits): void {
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
  /** A sticky search of a case-sensitive pattern: its start literals in their own case (see exactStarts). */
  exactStarts: string[] | null;
  /** Not anchored, but every match begins with this one character: searched by runSkipping (sticky). */
  skipTo: string | null;
  /**
   * What may follow a start literal in a match (charsAfter), by the literal's keyword id
   * (anchored; null: anything; undefined: not worked out yet), or at [0] what may follow
   * skipTo. Checked before the regex call.
   */
  after: AfterChecks;
}

interface Plan {
  /** Keywords and start literals of every detector, in one automaton. */
  index: KeywordIndex;
  /** Per detector: its keyword ids, or null when it always runs. */
  gates: Array<number[] | null>;
  /** Per detector: how it is searched. */
  search: Search[];
  /** Per keyword id: the anchored detectors it is a start literal of. */
  startUsers: number[][];
  /** Scratch for bucketHits, per detector: hits in its bucket (zero between scans), where its bucket starts, fill position; the detectors with hits; the hit indices. */
  count: Int32Array;
  lo: Int32Array;
  fill: Int32Array;
  touched: number[];
  bucket: Int32Array;
  /** Per keyword id: the detectors it gates (contextual ones excepted). */
  gateUsers: number[][];
  /** Detectors without keywords (always run) and with context keywords (whole-text gate). */
  ungated: number[];
  contextual: number[];
  /** Per detector: it has an applies() test (read here, not off detectors of many shapes). */
  applies: Uint8Array;
  /** Reused buffers (scanning is synchronous): hits, keyword presence, detectors to run. */
  hits: Hits;
  present: Uint8Array;
  run: Uint8Array;
  /** The detectors marked in `run`, as a list. */
  todo: Int32Array;
}

const plans = new WeakMap<readonly Detector[], Plan>();

/** The plans of the lists a stream scans at every push, found without the WeakMap lookup. */
const recentPlans = new Recent(4, planFor);

/**
 * Anchors are used when every start literal has at least two characters: a one-character
 * literal ("-", "<") occurs so often that one regex search over the text costs less.
 */
const MIN_ANCHOR = 2;

/** The start literals a search is anchored on, or null when it is searched everywhere. */
export function anchorsOf(re: RegExp): string[] | null {
  const lits = literalStarts(re);
  return lits && lits.every((l) => l.length >= MIN_ANCHOR) ? lits : null;
}

/** The one character every match of `re` begins with (one that has no other case when `re` ignores case), or null. */
export function oneCharStart(re: RegExp): string | null {
  const lits = literalStarts(re);
  if (lits === null || lits.length !== 1 || lits[0]!.length !== 1) return null;
  const ch = lits[0]!;
  return re.ignoreCase && ch.toLowerCase() !== ch.toUpperCase() ? null : ch;
}

/** The words a scan plan looks for: the detectors' keywords and start literals. */
export function scanWords(detectors: readonly Detector[]): string[] {
  return [...detectors.flatMap((d) => d.keywords), ...detectors.flatMap((d) => anchorsOf(d.pattern) ?? [])];
}

function planFor(detectors: readonly Detector[]): Plan {
  let p = plans.get(detectors);
  if (p) return p;
  const starts = detectors.map((d) => anchorsOf(d.pattern));
  const index = indexFor(detectors, scanWords(detectors));
  const startUsers: number[][] = Array.from({ length: index.size }, () => []);
  const wanted = new Uint8Array(index.size);
  const search = detectors.map((d, di): Search => {
    const lits = starts[di];
    for (const id of new Set((lits ?? []).map((l) => index.id(l)))) {
      wanted[id] = 1;
      startUsers[id]!.push(di);
    }
    const base = d.pattern.flags.replace(/[dgy]/g, '');
    const skipTo = lits ? null : oneCharStart(d.pattern);
    const after = afterChecks(d.pattern, lits ? index.size : null, skipTo);
    return { re: new RegExp(d.pattern.source, base + (lits || skipTo ? 'y' : 'g')), sticky: lits !== null, exact: new RegExp(d.pattern.source, base + 'dy'), lookGroups: groupsInLookarounds(d.pattern), exactStarts: lits ? exactStarts(d.pattern) : null, skipTo, after };
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
    applies: Uint8Array.from(detectors, (d) => (d.applies ? 1 : 0)),
    present: new Uint8Array(index.size),
    run: new Uint8Array(detectors.length),
    todo: new Int32Array(detectors.length),
    startUsers,
    count: new Int32Array(detectors.length),
    lo: new Int32Array(detectors.length),
    fill: new Int32Array(detectors.length),
    touched: [],
    bucket: new Int32Array(256),
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
export function scanReference(text: string, detectors: readonly Detector[], from = 0): OpenScan {
  const out: OpenScan = { findings: [], matchStarts: [], openFrom: text.length, openMatchFrom: text.length };
  if (text.length === 0 || from >= text.length) return out;
  const { index, gates, search } = planFor(detectors);
  const present = new Uint8Array(index.size);
  index.scan(text, present, from);
  const presentAll = new Uint8Array(index.size);
  index.scan(text, presentAll, 0);
  const raw: Raw[] = [];
  detectors.forEach((d, di) => {
    if (!wants(gates[di]!, d.contextKeywords ? presentAll : present)) return;
    if (d.applies && !d.applies(text)) return;
    runGlobal(d, { ...search[di]!, re: d.pattern }, text, from, raw, out);
  });
  mergeFindings(raw, out);
  return out;
}

export function wants(ids: number[] | null, present: Uint8Array): boolean {
  if (ids === null) return true;
  for (const id of ids) if (present[id]) return true;
  return false;
}
