/**
 * What a scan found and how it is put together: the secret span of a regex match (its secret
 * group), and the merging of overlapping findings (the most specific detector names the span).
 */

export interface Finding {
  type: string;
  start: number;
  end: number;
  priority: number;
}

/** What scanOpen() found. */
export interface OpenScan {
  findings: Finding[];
  /** Per finding: where the earliest match behind it starts (its key name, its context). */
  matchStarts: number[];
  /** Where the earliest secret of a candidate that reaches the end of the text starts (text.length: none). */
  openFrom: number;
  /** Where that candidate's match starts (a key name before its value), or text.length. */
  openMatchFrom: number;
}

/** A finding and where its match starts. */
export interface Raw extends Finding {
  from: number;
}

const GROUPS = ['secret', 's1', 's2', 's3', 's4', 'p1', 'p2'] as const;

/**
 * The secret's span from the match's strings alone: the first defined secret group, when
 * its text occurs exactly once in the match (so its position is certain); null when that
 * cannot be told (a group in a look-around, a repeated or empty value).
 */
export function quickSpan(m: RegExpExecArray, lookGroups: ReadonlySet<string>): [number, number] | null {
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

export function secretSpan(m: RegExpExecArray): [number, number] | null {
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

/** Two scans of the same text (by different detectors) as one. */
export function mergeScans(a: OpenScan, b: OpenScan): OpenScan {
  const out: OpenScan = { findings: a.findings, matchStarts: a.matchStarts, openFrom: Math.min(a.openFrom, b.openFrom), openMatchFrom: Math.min(a.openMatchFrom, b.openMatchFrom) };
  if (b.findings.length === 0) return out;
  if (a.findings.length === 0) return { ...out, findings: b.findings, matchStarts: b.matchStarts };
  const raw = (s: OpenScan) => s.findings.map((f, i): Raw => ({ ...f, from: s.matchStarts[i]! }));
  mergeFindings([...raw(a), ...raw(b)], out);
  return out;
}

/** Sorted, non-overlapping; overlapping or touching-inside spans become one (with the earliest match start). */
export function mergeFindings(raw: Raw[], out: OpenScan): void {
  raw.sort((a, b) => a.start - b.start || b.end - a.end);
  const findings: Finding[] = [];
  const starts: number[] = [];
  for (const f of raw) {
    const k = findings.length - 1;
    const last = findings[k];
    if (last && f.start < last.end) {
      if (f.end > last.end) last.end = f.end;
      if (f.priority > last.priority) {
        last.priority = f.priority;
        last.type = f.type;
      }
      if (f.from < starts[k]!) starts[k] = f.from;
    } else {
      findings.push({ type: f.type, start: f.start, end: f.end, priority: f.priority });
      starts.push(f.from);
    }
  }
  out.findings = findings;
  out.matchStarts = starts;
}
