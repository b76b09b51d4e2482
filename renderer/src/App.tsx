import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { api, subscribe, type ApprovalView, type ControlEvent, type Interaction, type Status } from './api.js';
import { Approvals } from './Approvals.js';
import { Live } from './Live.js';
import { Search } from './Search.js';
import { Setup } from './Setup.js';

type Tab = 'live' | 'approvals' | 'search' | 'setup';
const TABS: Array<[Tab, string]> = [
  ['live', 'Live'],
  ['approvals', 'Approvals'],
  ['search', 'Search'],
  ['setup', 'Setup'],
];

/** An interaction in the live list; `streaming` until its record is complete. */
export type LiveItem = Interaction & { user?: string; streaming?: boolean };
/** Where a finished interaction landed in the audit chain. */
export type StoredRef = { seq: number; hash: string };
export type StoredRefs = ReadonlyMap<string, StoredRef>;
/** Rows kept in the window (the list is virtualized; older ones are in Search). */
const KEEP = 10_000;
type Started = Extract<ControlEvent, { type: 'interaction.started' }>['data'];
type Delta = Extract<ControlEvent, { type: 'interaction.delta' }>['data'];

function provisional(s: Started): LiveItem {
  return {
    ...s,
    method: 'POST',
    plan: 'unknown',
    context: [],
    messages: [],
    contextFiles: [],
    toolsOffered: [],
    response: '',
    toolCalls: [],
    finishReason: null,
    usage: null,
    maskings: [],
    notInspected: [],
    ruleIds: [],
    approvals: [],
    status: 'ok',
    httpStatus: null,
    errors: [],
    timings: { start: Date.parse(s.time), firstByte: null, firstToken: null, end: null },
    streaming: true,
  };
}

function appendDelta(x: LiveItem, d: Delta): LiveItem {
  const toolCalls = [...x.toolCalls];
  for (const t of d.tools) {
    const i = toolCalls.findIndex((c) => c.index === t.index);
    if (i < 0) toolCalls.push({ index: t.index, id: null, name: t.name ?? '', arguments: t.text });
    else toolCalls[i] = { ...toolCalls[i]!, name: toolCalls[i]!.name || (t.name ?? ''), arguments: toolCalls[i]!.arguments + t.text };
  }
  return { ...x, response: x.response + d.text, toolCalls };
}

export function App() {
  const [status, setStatus] = useState<Status | null>(null);
  const [connected, setConnected] = useState(false);
  const [interactions, setInteractions] = useState<LiveItem[]>([]);
  const [approvals, setApprovals] = useState<ApprovalView[]>([]);
  const [stored, setStored] = useState<StoredRefs>(new Map());
  // The route is the hash: #/live, #/approvals, or #/approval/ID (the compact popup).
  const tabOf = (): Tab => {
    const h = location.hash;
    if (h.startsWith('#/approval')) return 'approvals';
    if (h.startsWith('#/search')) return 'search';
    if (h.startsWith('#/setup')) return 'setup';
    return 'live';
  };
  const [tab, setTabState] = useState<Tab>(tabOf());
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = () => {
      setTabState(tabOf());
      setHash(location.hash);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const setTab = (t: Tab) => {
    location.hash = `#/${t}`;
  };
  // The tab list is one stop in the Tab order; arrow keys (and Home/End) move between views.
  const onTabKey = (e: KeyboardEvent) => {
    const at = TABS.findIndex(([t]) => t === tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = TABS[(to + TABS.length) % TABS.length]![0];
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };

  const decided = useRef(new Set<string>());
  useEffect(() => {
    return subscribe(
      (e) => {
        if (e.type === 'interaction.started') setInteractions((xs) => [provisional(e.data), ...xs.filter((x) => x.id !== e.data.id)].slice(0, KEEP));
        if (e.type === 'interaction.delta') setInteractions((xs) => xs.map((x) => (x.id === e.data.id && x.streaming ? appendDelta(x, e.data) : x)));
        if (e.type === 'interaction.completed')
          setInteractions((xs) => (xs.some((x) => x.id === e.data.id) ? xs.map((x) => (x.id === e.data.id ? e.data : x)) : [e.data, ...xs].slice(0, KEEP)));
        if (e.type === 'record.stored')
          setStored((m) => {
            const next = new Map(m).set(e.data.id, { seq: e.data.seq, hash: e.data.hash });
            // Only rows still in the window need it: drop the oldest beyond that.
            for (const id of next.keys()) {
              if (next.size <= KEEP) break;
              next.delete(id);
            }
            return next;
          });
        if (e.type === 'interaction.started' || e.type === 'interaction.completed')
          setStatus((st) => (st && (!st.lastInterceptedAt || st.lastInterceptedAt < e.data.time) ? { ...st, lastInterceptedAt: e.data.time } : st));
        if (e.type === 'approval.requested') setApprovals((xs) => [...xs.filter((a) => a.id !== e.data.id), e.data]);
        if (e.type === 'approval.decided') {
          decided.current.add(e.data.id);
          setApprovals((xs) => xs.filter((a) => a.id !== e.data.id));
        }
      },
      (up) => {
        setConnected(up);
        // (Re)connected: resync what may have changed while the stream was down.
        if (up) {
          void api.status().then(setStatus);
          // Merge, never replace: a list fetched before an event arrived must not undo it.
          void api.call('approvals', {}).then((list) =>
            setApprovals((xs) => {
              const byId = new Map([...list, ...xs].filter((a) => !decided.current.has(a.id)).map((a) => [a.id, a]));
              return [...byId.values()];
            }),
          );
        }
      },
    );
  }, []);

  // Counters and CA state change without events: refresh them now and then.
  useEffect(() => {
    if (!connected) return;
    const timer = setInterval(() => void api.status().then(setStatus, () => undefined), 10_000);
    return () => clearInterval(timer);
  }, [connected]);

  const pending = approvals.length;
  const masked = useMemo(() => interactions.reduce((n, i) => n + i.maskings.reduce((a, m) => a + m.count, 0), 0), [interactions]);

  return (
    <div className="app">
      <header className="bar">
        <div className="brand">
          <span className="logo" aria-hidden>◉</span> <span className="name">Witness</span>
        </div>
        <nav role="tablist" aria-label="Views" onKeyDown={onTabKey}>
          {TABS.map(([t, label]) => (
            <button
              key={t}
              id={`tab-${t}`}
              role="tab"
              aria-selected={tab === t}
              aria-controls="view"
              tabIndex={tab === t ? 0 : -1}
              onClick={() => setTab(t)}
            >
              {label}
              {t === 'live' && <span className="count">{interactions.length}</span>}
              {t === 'approvals' && pending > 0 && <span className="count alert">{pending}</span>}
            </button>
          ))}
        </nav>
        <div className="meta">
          <span className={`dot ${connected ? 'ok' : 'off'}`} title={connected ? 'live' : 'reconnecting'} />
          {status ? (
            <>
              <span title="Proxy address">{status.proxy.url}</span>
              <span title="Secrets masked in this session">{masked} masked</span>
              <span title={`CA SHA-256 ${status.ca.fingerprint256}`}>CA {status.ca.fingerprint256.slice(0, 11)}…</span>
            </>
          ) : (
            <span>connecting…</span>
          )}
        </div>
      </header>
      <main id="view" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'live' && <Live interactions={interactions} stored={stored} />}
        {tab === 'approvals' && <Approvals approvals={focusFirst(approvals, /^#\/approval\/([\w-]+)/.exec(hash)?.[1])} />}
        {tab === 'search' && <Search />}
        {tab === 'setup' && <Setup status={status} />}
      </main>
    </div>
  );
}

/** `#/approval/ID` (the popup a notification opens) puts that request first, where the shortcuts act. */
function focusFirst(approvals: ApprovalView[], id: string | undefined): ApprovalView[] {
  if (!id) return approvals;
  return [...approvals.filter((a) => a.id === id), ...approvals.filter((a) => a.id !== id)];
}
