import { useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ApprovalView } from '../api.js';
import { Countdown, Detail } from '../components/index.js';
import { clientName, formatMs } from '../format.js';
import { useNow } from '../hooks.js';
import { approvalsByExchange, type LiveItem, type StoredRefs } from '../model.js';

type Chip = 'masked' | 'held' | 'tools' | `kind:${string}`;

const CHIP_TEST: Record<'masked' | 'held' | 'tools', (i: LiveItem) => boolean> = {
  masked: (i) => i.maskings.length > 0,
  held: (i) => !['allowed', 'masked'].includes(i.decision),
  tools: (i) => i.toolCalls.length > 0,
};

function matches(i: LiveItem, chips: Set<Chip>): boolean {
  const kinds = [...chips].filter((c) => c.startsWith('kind:')).map((c) => c.slice(5));
  if (kinds.length > 0 && !kinds.includes(i.endpoint)) return false;
  return (['masked', 'held', 'tools'] as const).every((c) => !chips.has(c) || CHIP_TEST[c](i));
}

/**
 * The live list and the exchange in full. Follow mode (on by default, like a terminal tail)
 * keeps the newest exchange in the detail pane as it streams; selecting a row or scrolling
 * the list stops following, "Follow live" brings it back. Pause freezes which rows are shown.
 */
export function Live({ interactions: all, stored, approvals }: { interactions: LiveItem[]; stored: StoredRefs; approvals: ApprovalView[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const held = useMemo(() => approvalsByExchange(approvals), [approvals]);
  const [chips, setChips] = useState<Set<Chip>>(new Set());
  // Paused: the rows shown are frozen (their content still updates); new ones wait behind "Resume".
  const [frozen, setFrozen] = useState<Set<string> | null>(null);
  const toggle = (c: Chip) =>
    setChips((xs) => {
      const next = new Set(xs);
      if (!next.delete(c)) next.add(c);
      return next;
    });
  const kinds = useMemo(() => [...new Set(all.map((i) => i.endpoint))].sort(), [all]);
  const interactions = useMemo(() => all.filter((i) => (!frozen || frozen.has(i.id)) && matches(i, chips)), [all, frozen, chips]);
  const waiting = frozen ? all.filter((i) => !frozen.has(i.id)).length : 0;
  const current = (follow ? null : interactions.find((i) => i.id === selected)) ?? interactions[0] ?? null;
  const select = (id: string) => {
    setSelected(id);
    setFollow(false);
  };
  const followLive = () => {
    setSelected(null);
    setFollow(true);
  };
  const toolbar = (
    <div className="toolbar" role="toolbar" aria-label="Live filters">
      {([['masked', 'Masked'], ['held', 'Held or blocked'], ['tools', 'Tool calls']] as const).map(([c, label]) => (
        <button key={c} className="chip" aria-pressed={chips.has(c)} onClick={() => toggle(c)}>
          {label}
        </button>
      ))}
      {kinds.map((k) => (
        <button key={k} className="chip" aria-pressed={chips.has(`kind:${k}`)} onClick={() => toggle(`kind:${k}`)}>
          {k}
        </button>
      ))}
      <span className="sub">
        {interactions.length} of {all.length}
      </span>
      <button className="follow" aria-pressed={follow} onClick={followLive} title="Show the newest exchange as it streams">
        {follow ? '● Following live' : 'Follow live'}
      </button>
      <button className="pause" aria-pressed={frozen !== null} onClick={() => setFrozen(frozen ? null : new Set(all.map((i) => i.id)))}>
        {frozen ? `Resume${waiting ? ` (${waiting} new)` : ''}` : 'Pause'}
      </button>
    </div>
  );
  if (all.length === 0) {
    return (
      <section className="empty">
        <h1>No Copilot traffic yet</h1>
        <p>Point your editor at the proxy shown above and trust the Witness CA; interactions appear here as they happen.</p>
        <p>
          <a href="#/setup">Setup instructions</a>
        </p>
      </section>
    );
  }
  return (
    <div className="live">
      {toolbar}
      <div className="split">
        <Rows items={interactions} held={held} selectedId={current?.id ?? null} onSelect={select} onScrolled={() => setFollow(false)} follow={follow} />
        {current ? <Detail key={current.id} item={current} stored={stored.get(current.id)} pending={held.get(current.id)} /> : <p className="sub">No interaction matches these filters.</p>}
      </div>
    </div>
  );
}

const ROW = 34;
const OVERSCAN = 8;

/**
 * The interaction list, virtualized: only the rows in view (plus a few) are in the DOM, so
 * thousands of rows stay smooth. Newest first; when rows arrive above a scrolled-down view,
 * the view stays on the rows being read. Arrow keys, Page Up/Down, Home and End move the
 * selection (an ARIA grid with an active descendant).
 */
function Rows({
  items,
  held,
  selectedId,
  onSelect,
  onScrolled,
  follow,
}: {
  items: LiveItem[];
  held: ReadonlyMap<string, ApprovalView>;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onScrolled: () => void;
  follow: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const anchor = useRef<{ id: string; offset: number } | null>(null);

  useLayoutEffect(() => {
    const el = ref.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the row at the top of a scrolled-down view in place when new rows arrive above it.
  useLayoutEffect(() => {
    const el = ref.current!;
    const a = anchor.current;
    if (a && el.scrollTop > 0) {
      const idx = items.findIndex((i) => i.id === a.id);
      if (idx >= 0 && idx * ROW + a.offset !== el.scrollTop) {
        el.scrollTop = idx * ROW + a.offset;
        setScrollTop(el.scrollTop);
      }
    }
  }, [items]);

  // Following: the newest row (the top) stays in view.
  useLayoutEffect(() => {
    if (follow && ref.current && ref.current.scrollTop !== 0) {
      ref.current.scrollTop = 0;
      setScrollTop(0);
      anchor.current = null;
    }
  }, [follow, items]);
  // Only a scroll the user made stops following (wheel, touch, keys, the scrollbar).
  const userScroll = useRef(false);
  const onScroll = () => {
    const el = ref.current!;
    if (userScroll.current && el.scrollTop > 0) onScrolled();
    setScrollTop(el.scrollTop);
    const top = items[Math.floor(el.scrollTop / ROW)];
    anchor.current = top ? { id: top.id, offset: el.scrollTop % ROW } : null;
  };

  const selectedIndex = items.findIndex((i) => i.id === selectedId);
  const move = (to: number) => {
    const idx = Math.max(0, Math.min(items.length - 1, to));
    const it = items[idx];
    if (!it) return;
    onSelect(it.id);
    const el = ref.current!;
    const head = ROW; // the sticky header row
    if (idx * ROW < el.scrollTop) el.scrollTop = idx * ROW;
    else if ((idx + 1) * ROW > el.scrollTop + el.clientHeight - head) el.scrollTop = (idx + 1) * ROW - el.clientHeight + head;
  };
  const page = Math.max(1, Math.floor(height / ROW) - 2);
  const onKeyDown = (e: KeyboardEvent) => {
    const at = Math.max(0, selectedIndex);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: items.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(to);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const now = useNow(1000);
  return (
    <div
      ref={ref}
      className="rows"
      role="grid"
      aria-label="Interactions"
      aria-rowcount={items.length + 1}
      aria-activedescendant={selectedId ? `row-${selectedId}` : undefined}
      tabIndex={0}
      onScroll={onScroll}
      onWheel={() => (userScroll.current = true)}
      onTouchStart={() => (userScroll.current = true)}
      onPointerDown={() => (userScroll.current = true)}
      onKeyDown={onKeyDown}
    >
      <div className="row head" role="row" aria-rowindex={1}>
        {['Time', 'User', 'Client', 'Kind', 'Model', 'Masked', 'Decision', 'Latency'].map((h) => (
          <span key={h} role="columnheader">
            {h}
          </span>
        ))}
      </div>
      <div className="rows-body" style={{ height: items.length * ROW }}>
        {items.slice(first, last).map((i, k) => {
          const idx = first + k;
          const maskedCount = i.maskings.reduce((a, m) => a + m.count, 0);
          return (
            <div
              key={i.id}
              id={`row-${i.id}`}
              className={`row${i.id === selectedId ? ' sel' : ''}`}
              role="row"
              aria-rowindex={idx + 2}
              aria-selected={i.id === selectedId}
              style={{ transform: `translateY(${idx * ROW}px)` }}
              onClick={() => onSelect(i.id)}
            >
              <span role="gridcell" title={new Date(i.time).toLocaleString()}>
                {new Date(i.time).toLocaleTimeString()}
              </span>
              <span role="gridcell" className="clip">
                {i.user ?? '—'}
              </span>
              <span role="gridcell" className="clip">
                {clientName(i)}
              </span>
              <span role="gridcell">{i.endpoint}</span>
              <span role="gridcell" className="clip">
                {i.model ?? '—'}
              </span>
              <span role="gridcell" className="masked-count">
                {maskedCount ? <span className="badge warn">{maskedCount}</span> : '—'}
              </span>
              <span role="gridcell">
                {held.has(i.id) ? (
                  <span className="badge pending">waiting for approval</span>
                ) : i.streaming ? (
                  <span className="badge streaming">streaming</span>
                ) : (
                  <span className={`badge ${i.decision}`}>{i.decision}</span>
                )}
              </span>
              <span role="gridcell" className="num">
                {held.has(i.id) ? (
                  <Countdown a={held.get(i.id)!} short />
                ) : i.timings.end !== null ? (
                  formatMs(i.timings.end - i.timings.start)
                ) : (
                  `${formatMs(Math.max(0, now - i.timings.start))}…`
                )}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
