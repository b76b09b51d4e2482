import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { api, subscribe, type ApprovalView, type IdentityStatus, type Link, type Status } from './api.js';
import { appendDelta, provisional, type LiveItem, type StoredRefs } from './model.js';
import { useAttention } from './attention.js';
import { HealthWarning, PolicyWarning, SignInActions, SyncBadge } from './components/index.js';
import { Approvals, Live, Popup, Search, Setup } from './views/index.js';

type Tab = 'live' | 'approvals' | 'search' | 'setup';
const TABS: Array<[Tab, string]> = [
  ['live', 'Live'],
  ['approvals', 'Approvals'],
  ['search', 'Search'],
  ['setup', 'Setup'],
];
/** Rows kept in the window (the list is virtualized; older ones are in Search). */
const KEEP = 10_000;
/** Records loaded from the store when the window opens or the engine restarts. */
const HISTORY = 50;

type Route = { tab: Tab; popup: boolean; id: string | undefined };
/** The route is the hash: #/live, #/approvals, …, or #/approval[/ID] (the compact popup). */
function routeOf(h: string): Route {
  const popup = /^#\/approval(?:\/([\w-]+))?\/?$/.exec(h);
  if (popup) return { tab: 'approvals', popup: true, id: popup[1] };
  if (h.startsWith('#/approvals')) return { tab: 'approvals', popup: false, id: undefined };
  if (h.startsWith('#/search')) return { tab: 'search', popup: false, id: undefined };
  if (h.startsWith('#/setup')) return { tab: 'setup', popup: false, id: undefined };
  return { tab: 'live', popup: false, id: undefined };
}

/** The last records in the store, newest first, as live rows (so Live is not empty after a restart). */
async function recentHistory(): Promise<Array<{ item: LiveItem; seq: number; hash: string }>> {
  const page = await api.call('search', { limit: HISTORY });
  const records = await Promise.all(page.items.map((h) => api.call('record', { id: h.id }).catch(() => null)));
  return records.filter((r) => r !== null).map((r) => ({ item: r, seq: r.seq, hash: r.hash }));
}

export function App() {
  const [status, setStatus] = useState<Status | null>(null);
  const [identity, setIdentity] = useState<IdentityStatus | null>(null);
  const [link, setLink] = useState<Link>('down');
  const [everUp, setEverUp] = useState(false);
  const [interactions, setInteractions] = useState<LiveItem[]>([]);
  const [approvals, setApprovals] = useState<ApprovalView[]>([]);
  const [stored, setStored] = useState<StoredRefs>(new Map());
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const tab = route.tab;
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
  const engineStart = useRef<string | null>(null);
  useEffect(() => {
    const loadHistory = () =>
      void recentHistory().then(
        (rows) => {
          // Merge under what arrived live meanwhile (a live row wins: it may be newer).
          setInteractions((xs) => {
            const have = new Set(xs.map((x) => x.id));
            const older = rows.map((r) => r.item).filter((i) => !have.has(i.id));
            return [...xs, ...older].sort((a, b) => b.timings.start - a.timings.start).slice(0, KEEP);
          });
          setStored((m) => {
            const next = new Map(m);
            for (const r of rows) if (!next.has(r.item.id)) next.set(r.item.id, { seq: r.seq, hash: r.hash });
            return next;
          });
        },
        () => undefined,
      );
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
        if (e.type === 'identity.changed') {
          setIdentity(e.data);
          const user = e.data.email ?? e.data.name ?? e.data.sub;
          setStatus((st) => st && { ...st, identity: { ...st.identity, signedIn: e.data.signedIn, user } });
        }
        if (e.type === 'policy.changed') setStatus((st) => st && { ...st, policy: e.data });
        if (e.type === 'interception.changed') setStatus((st) => st && { ...st, interception: e.data });
        if (e.type === 'sync.receipt') {
          // The receipt moves the anchored head now; the rest (waiting, state) comes with the next status.
          setStatus((st) => st && { ...st, sync: { ...st.sync, receiptedSeq: Math.max(st.sync.receiptedSeq, e.data.seq), lastReceiptAt: e.data.receivedAt, lastError: null } });
          void api.status().then(setStatus, () => undefined);
        }
      },
      (up) => {
        setLink(up);
        // (Re)connected: resync what may have changed while the stream was down.
        if (up !== 'up') return;
        setEverUp(true);
        void api.status().then((s) => {
          setStatus(s);
          // First connection, or the engine restarted: rows from the store's recent history.
          if (engineStart.current !== s.startedAt) {
            const restarted = engineStart.current !== null;
            engineStart.current = s.startedAt;
            // Holds of the engine that stopped were cancelled with it.
            if (restarted) setApprovals([]);
            loadHistory();
          }
        });
        void api.call('identity', {}).then(setIdentity, () => undefined);
        // Merge, never replace: a list fetched before an event arrived must not undo it.
        void api.call('approvals', {}).then((list) =>
          setApprovals((xs) => {
            const byId = new Map([...list, ...xs].filter((a) => !decided.current.has(a.id)).map((a) => [a.id, a]));
            return [...byId.values()];
          }),
        );
      },
    );
  }, []);

  // Counters and CA state change without events: refresh them now and then.
  useEffect(() => {
    if (link !== 'up') return;
    const timer = setInterval(() => void api.status().then(setStatus, () => undefined), 10_000);
    return () => clearInterval(timer);
  }, [link]);

  const pending = approvals.length;
  useAttention(approvals);
  const masked = useMemo(() => interactions.reduce((n, i) => n + i.maskings.reduce((a, m) => a + m.count, 0), 0), [interactions]);
  const byId = useMemo(() => new Map(interactions.map((i) => [i.id, i])), [interactions]);
  const banner = <LinkBanner link={link} everUp={everUp} />;

  if (route.popup) {
    return (
      <div className="app popup-app">
        {banner}
        <main id="view">
          <Popup approvals={approvals} items={byId} id={route.id} />
        </main>
      </div>
    );
  }
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
          <span className={`dot ${link === 'up' ? 'ok' : 'off'}`} title={link === 'up' ? 'connected to the engine' : 'not connected'} />
          {status ? (
            <>
              <span title="Proxy address: point your editor here">{status.proxy.url}</span>
              <span title="Secrets replaced by placeholders in the exchanges shown in this window (they never left this machine)">
                {masked} secret{masked === 1 ? '' : 's'} masked
              </span>
              <span className="ca" title={`CA SHA-256 ${status.ca.fingerprint256}`}>
                CA {status.ca.fingerprint256.slice(0, 5)}…
              </span>
            </>
          ) : (
            <span>connecting…</span>
          )}
          {status && <HealthWarning health={status.health} />}
          {status && <PolicyWarning policy={status.policy} />}
          {status && <SyncBadge sync={status.sync} />}
          <SignIn identity={identity} required={status?.identity.required ?? false} />
          <SignInActions identity={identity} compact />
        </div>
      </header>
      {banner}
      <main id="view" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'live' && <Live interactions={interactions} stored={stored} approvals={approvals} />}
        {tab === 'approvals' && <Approvals approvals={approvals} items={byId} />}
        {tab === 'search' && <Search />}
        {tab === 'setup' && <Setup status={status} identity={identity} />}
      </main>
    </div>
  );
}

/** Sign-in status in the header: who, verified; or that nobody is signed in (a warning when the policy requires sign-in). */
function SignIn({ identity, required }: { identity: IdentityStatus | null; required: boolean }) {
  if (!identity) return null;
  if (identity.signedIn) {
    const who = identity.email ?? identity.name ?? identity.sub ?? 'signed in';
    return (
      <span className="signin ok" title={`Signed in${identity.issuer ? ` at ${identity.issuer}` : ''}${identity.expiresAt ? `, until ${new Date(identity.expiresAt).toLocaleString()}` : ''}`}>
        ✓ {who}
      </span>
    );
  }
  if (!identity.configured) return null;
  return (
    <span className={`signin ${required ? 'warn' : ''}`} title="Run `witness login` to sign in: records and decisions then carry your verified identity">
      not signed in
    </span>
  );
}

/** The link to the engine when it is not up: reconnecting by itself, or a new sign-in needed. */
function LinkBanner({ link, everUp }: { link: Link; everUp: boolean }) {
  if (link === 'up' || !everUp) return null;
  if (link === 'signed-out') {
    return (
      <p className="link-banner bad" role="alert">
        The engine restarted and no longer knows this tab's session. Run <code>witness ui</code> for a new sign-in link; this tab reconnects by itself once it is signed in again.
      </p>
    );
  }
  return (
    <p className="link-banner" role="status">
      <span className="spinner" aria-hidden /> Engine stopped — reconnecting…
    </p>
  );
}
