import type { ApprovalView } from '../model.js';
import { formatMs } from '../format.js';
import { useNow } from '../hooks.js';
import type { LiveItem } from '../model.js';

/** Time spent on hold: each decided approval's wait, plus the one still pending (until now). */
export function heldMs(item: LiveItem, pending: ApprovalView | undefined, now: number): number | null {
  let total = 0;
  let any = false;
  for (const a of item.approvals) {
    if (!a.requestedAt || !a.decidedAt || a.id === pending?.id) continue;
    total += Math.max(0, Date.parse(a.decidedAt) - Date.parse(a.requestedAt));
    any = true;
  }
  if (pending) {
    total += Math.max(0, now - Date.parse(pending.requestedAt));
    any = true;
  }
  return any ? total : null;
}

/**
 * A request's time line with its legend: the wait for the first byte, then the first token,
 * the time held for approval, and the total. First token is never shown before first byte
 * (both are clamped in that order), and a live exchange's bar grows with the clock.
 */
export function Timings({ item, total, pending }: { item: LiveItem; total: number | null; pending?: ApprovalView | undefined }) {
  const now = useNow(item.timings.end === null ? 500 : 60_000);
  const t = item.timings;
  const fb = t.firstByte !== null ? Math.max(0, t.firstByte - t.start) : null;
  const ftRaw = t.firstToken !== null ? t.firstToken - t.start : null;
  const ft = ftRaw !== null ? Math.max(ftRaw, fb ?? ftRaw) : null;
  const held = heldMs(item, pending, now);
  const span = total ?? Math.max(now - t.start, fb ?? 0, ft ?? 0, 1);
  const pct = (v: number) => `${Math.max(0, Math.min(100, (v / span) * 100)).toFixed(1)}%`;
  // The hold starts at the tool call, after the first token: drawn from its request time.
  const heldAt = pending ? Date.parse(pending.requestedAt) - t.start : item.approvals.find((a) => a.requestedAt)?.requestedAt ? Date.parse(item.approvals.find((a) => a.requestedAt)!.requestedAt!) - t.start : null;
  return (
    <div className="timings" aria-label="Timings">
      <div className="tbar" aria-hidden>
        {fb !== null && <span className="seg wait" style={{ width: pct(fb) }} />}
        {ft !== null && fb !== null && <span className="seg think" style={{ left: pct(fb), width: pct(Math.max(0, ft - fb)) }} />}
        {ft !== null && <span className="seg stream" style={{ left: pct(ft), width: pct(Math.max(0, span - ft)) }} />}
        {held !== null && heldAt !== null && <span className="seg held" style={{ left: pct(heldAt), width: pct(held) }} />}
      </div>
      <dl className="tnums">
        <Tn cls="wait" label="first byte" value={fb !== null ? formatMs(fb) : '—'} />
        <Tn cls="think" label="first token" value={ft !== null ? formatMs(ft) : '—'} />
        {held !== null && <Tn cls="held" label="held" value={formatMs(held)} />}
        <Tn cls="stream" label="total" value={total !== null ? formatMs(total) : `${formatMs(Math.max(0, now - t.start))}…`} />
      </dl>
    </div>
  );
}

/** One legend entry: its colour as on the bar, the name, the value (kept together on one line). */
function Tn({ cls, label, value }: { cls: string; label: string; value: string }) {
  return (
    <div className="tn">
      <dt>
        <i className={`sw ${cls}`} aria-hidden />
        {label}
      </dt>
      <dd>{value}</dd>
    </div>
  );
}
