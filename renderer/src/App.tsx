import { useEffect, useMemo, useRef, useState } from 'react';
import { api, subscribe, type ApprovalView, type Interaction, type Status } from './api.js';
import { Approvals } from './Approvals.js';
import { Live } from './Live.js';
import { Search } from './Search.js';
import { Setup } from './Setup.js';

type Tab = 'live' | 'approvals' | 'search' | 'setup';

export function App() {
  const [status, setStatus] = useState<Status | null>(null);
  const [connected, setConnected] = useState(false);
  const [interactions, setInteractions] = useState<Interaction[]>([]);
  const [approvals, setApprovals] = useState<ApprovalView[]>([]);
  // The route is the hash: #/live, #/approvals, or #/approval/ID (the compact popup).
  const tabOf = (): Tab => {
    const h = location.hash;
    if (h.startsWith('#/approval')) return 'approvals';
    if (h.startsWith('#/search')) return 'search';
    if (h.startsWith('#/setup')) return 'setup';
    return 'live';
  };
  const [tab, setTabState] = useState<Tab>(tabOf());
  useEffect(() => {
    const onHash = () => setTabState(tabOf());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const setTab = (t: Tab) => {
    location.hash = `#/${t}`;
  };

  const decided = useRef(new Set<string>());
  useEffect(() => {
    return subscribe(
      (e) => {
        if (e.type === 'interaction.completed') setInteractions((xs) => [e.data, ...xs].slice(0, 2000));
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

  const pending = approvals.length;
  const masked = useMemo(() => interactions.reduce((n, i) => n + i.maskings.reduce((a, m) => a + m.count, 0), 0), [interactions]);

  return (
    <div className="app">
      <header className="bar">
        <div className="brand">
          <span className="logo" aria-hidden>◉</span> Witness
        </div>
        <nav role="tablist" aria-label="Views">
          <button role="tab" aria-selected={tab === 'live'} onClick={() => setTab('live')}>
            Live <span className="count">{interactions.length}</span>
          </button>
          <button role="tab" aria-selected={tab === 'approvals'} onClick={() => setTab('approvals')}>
            Approvals {pending > 0 && <span className="count alert">{pending}</span>}
          </button>
          <button role="tab" aria-selected={tab === 'search'} onClick={() => setTab('search')}>
            Search
          </button>
          <button role="tab" aria-selected={tab === 'setup'} onClick={() => setTab('setup')}>
            Setup
          </button>
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
      <main>
        {tab === 'live' && <Live interactions={interactions} />}
        {tab === 'approvals' && <Approvals approvals={approvals} />}
        {tab === 'search' && <Search />}
        {tab === 'setup' && <Setup status={status} />}
      </main>
    </div>
  );
}
