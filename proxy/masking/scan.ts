import { KeywordIndex } from './keywords.js';
/**
 * Finding secrets in text: run every detector whose keywords occur, collect the secret
 * spans, merge overlaps (the most specific detector names the merged span). Pure.
 */
import type { Detector } from './detector.js';

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
  let openFrom = text.length;
  if (text.length === 0 || from >= text.length) return { findings: [], openFrom };
  // A match contains one of its detector's keywords, so only the scanned part needs them
  // (except for detectors whose keywords are far-away context).
  const pf = prefilterFor(detectors);
  const present = new Uint8Array(pf.index.size);
  pf.index.scan(text, present, from);
  let presentAll: Uint8Array | null = from === 0 ? present : null;
  const raw: Finding[] = [];
  for (let di = 0; di < detectors.length; di++) {
    const d = detectors[di]!;
    if (d.contextKeywords && presentAll === null) {
      presentAll = new Uint8Array(pf.index.size);
      pf.index.scan(text, presentAll, 0);
    }
    if (!wants(pf.ids[di]!, d.contextKeywords ? presentAll! : present)) continue;
    const re = d.pattern;
    re.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const span = secretSpan(m);
      if (re.lastIndex >= text.length && span) openFrom = Math.min(openFrom, span[0]);
      if (span && span[1] > span[0]) {
        const secret = text.slice(span[0], span[1]);
        if (!d.validate || d.validate(secret, { text, start: span[0], end: span[1], matchStart: m.index })) {
          raw.push({ type: d.id, start: span[0], end: span[1], priority: d.priority });
        }
      }
      // Allow overlapping candidates from the same detector to be found past this secret.
      if (span && span[0] + 1 > m.index && span[0] + 1 < re.lastIndex) re.lastIndex = span[1];
    }
  }
  return { findings: mergeFindings(raw), openFrom };
}

interface Prefilter {
  index: KeywordIndex;
  /** Per detector: its keyword ids, or null when it always runs. */
  ids: Array<number[] | null>;
}

const prefilters = new WeakMap<readonly Detector[], Prefilter>();

export function prefilterFor(detectors: readonly Detector[]): Prefilter {
  let p = prefilters.get(detectors);
  if (!p) {
    const index = new KeywordIndex(detectors.flatMap((d) => d.keywords));
    p = { index, ids: detectors.map((d) => (d.keywords.length === 0 || d.keywords.includes('') ? null : d.keywords.map((k) => index.id(k)).filter((x) => x >= 0))) };
    prefilters.set(detectors, p);
  }
  return p;
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

interface HoldFilter {
  index: KeywordIndex;
  ids: Array<number[] | null>;
}
const holdFilters = new WeakMap<readonly Detector[], HoldFilter>();

/** Triggers for streaming hold-back: a detector's keywords and its token prefixes. */
function holdFilterFor(detectors: readonly Detector[]): HoldFilter {
  let f = holdFilters.get(detectors);
  if (!f) {
    const words = (d: Detector) => [...d.keywords, ...(d.prefixes ?? []).map((p) => p.toLowerCase())];
    const index = new KeywordIndex(detectors.flatMap(words));
    f = { index, ids: detectors.map((d) => (d.keywords.length === 0 || d.keywords.includes('') ? null : words(d).map((k) => index.id(k)).filter((x) => x >= 0))) };
    holdFilters.set(detectors, f);
  }
  return f;
}

/**
 * Where the earliest candidate still in progress at the end of `text` starts (from `from`
 * on), or text.length: a value still shorter than its detector's minimum, a token prefix
 * with too few characters yet, a key whose value has not started. Only the last `window`
 * characters are searched, and only detectors whose keywords or prefixes occur there
 * (or have begun at the very end) are tried.
 */
export function openCandidateStart(text: string, detectors: readonly Detector[], from: number, window = 600): number {
  let open = text.length;
  const start = Math.max(0, text.length - window);
  const tail = text.slice(start);
  const hf = holdFilterFor(detectors);
  const present = new Uint8Array(hf.index.size);
  const endState = hf.index.scan(tail, present);
  for (const id of hf.index.partialAt(endState)) present[id] = 1; // "…secr" may become "secret"
  const floor = (at: number, matchEnd: number) => {
    if (at >= from) open = Math.min(open, at);
    else if (matchEnd > from) open = Math.min(open, from);
  };
  for (let di = 0; di < detectors.length; di++) {
    const d = detectors[di]!;
    if (!wants(hf.ids[di]!, present)) continue;
    const m = relaxed(d).exec(tail);
    if (m) floor(start + m.index, start + m.index + m[0].length);
    if (d.tail) {
      const t = d.tail.exec(tail);
      if (t) floor(start + t.index, text.length);
    }
  }
  return open;
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
export function mergeFindings(raw: Finding[]): Finding[] {
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
