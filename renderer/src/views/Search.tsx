import { useEffect, useState } from 'react';
import { api, DOWNLOADS } from '../api.js';
import { Detail, HitCells } from '../components/index.js';

type Page = Awaited<ReturnType<typeof api.call<'search'>>>;
type Rec = NonNullable<Awaited<ReturnType<typeof api.call<'record'>>>>;

/** Today's records by time of day, older ones with the date. */
function when(iso: string): string {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

/** A datetime-local value as ISO (it has no zone: it is the browser's local time). */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** Audit search: full text + filters over the stored (masked) records, paginated; exports. */
export function Search() {
  const [q, setQ] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [decision, setDecision] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [maskedOnly, setMaskedOnly] = useState(false);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Rec | null>(null);
  const range = { ...(iso(since) ? { since: iso(since) } : {}), ...(iso(until) ? { until: iso(until) } : {}) };
  const run = (before?: number) => {
    setError(null);
    api
      .call('search', {
        ...(q ? { q } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(decision ? { decision } : {}),
        ...(maskedOnly ? { masked: true } : {}),
        ...range,
        limit: 50,
        ...(before !== undefined ? { before } : {}),
      })
      .then((p) => setPage(before !== undefined && page ? { ...p, items: [...page.items, ...p.items] } : p))
      .catch((e: Error) => setError(e.message));
  };
  // The latest records on open.
  useEffect(() => run(), []);
  const show = (id: string) =>
    void api.call('record', { id }).then((r) => {
      setOpen(r);
      // Narrow windows stack the detail under the list: bring it into view.
      requestAnimationFrame(() => document.querySelector('.search .opened')?.scrollIntoView({ block: 'nearest' }));
    }, (e: Error) => setError(e.message));
  const exportQuery = new URLSearchParams(range as Record<string, string>).toString();
  return (
    <section className="search">
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <span className="q">
          <input aria-label="Search text" placeholder="Search prompts, responses, tool calls…" value={q} onChange={(e) => setQ(e.target.value)} />
          <button type="submit">Search</button>
        </span>
        <select aria-label="Kind" value={endpoint} onChange={(e) => setEndpoint(e.target.value)}>
          <option value="">any kind</option>
          {['chat', 'completion', 'next-edit', 'responses', 'messages', 'token', 'models', 'telemetry', 'other'].map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <select aria-label="Decision" value={decision} onChange={(e) => setDecision(e.target.value)}>
          <option value="">any decision</option>
          {['allowed', 'masked', 'blocked', 'approved', 'denied', 'timed-out', 'cancelled'].map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <label className="range">
          from <input type="datetime-local" aria-label="From" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
        <label className="range">
          to <input type="datetime-local" aria-label="To" value={until} onChange={(e) => setUntil(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={maskedOnly} onChange={(e) => setMaskedOnly(e.target.checked)} /> with masked secrets
        </label>
        <span className="exports">
          Export:{' '}
          {(['jsonl', 'har', 'ocsf'] as const).map((f) => (
            <a key={f} href={`${DOWNLOADS.export}?format=${f}${exportQuery ? `&${exportQuery}` : ''}`} download>
              {f.toUpperCase()}
            </a>
          ))}
        </span>
      </form>
      {error && <p className="error">{error}</p>}
      <div className={open ? 'results split' : 'results'}>
      {page && (
        <div className="results-list">
          <p className="sub">
            {page.total} record{page.total === 1 ? '' : 's'}
            {page.total === 0 && (q || endpoint || decision || maskedOnly || since || until) ? ' match these filters' : ''}
          </p>
          <div className="tablewrap">
          <table className="list" aria-label="Search results">
            <thead>
              <tr>
                <th className="c-seq">#</th>
                <th className="c-time">Time</th>
                <th className="c-who">User</th>
                <th className="c-who">Client</th>
                <th className="c-who">Kind</th>
                <th className="c-model">Model</th>
                <th className="c-tools">Tools</th>
                <th className="c-decision">Decision</th>
                <th>Prompt</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((h) => (
                <tr key={h.seq} tabIndex={0} className={open?.id === h.id ? 'sel' : ''} onClick={() => show(h.id)} onKeyDown={(e) => e.key === 'Enter' && show(h.id)}>
                  <td>{h.seq}</td>
                  <td title={new Date(h.time).toLocaleString()}>{when(h.time)}</td>
                  <td className="c-who">{h.user}</td>
                  <td className="c-who">{h.client ?? '—'}</td>
                  <td className="c-who">{h.endpoint}</td>
                  <HitCells model={h.model} tools={h.toolCalls} decision={h.decision} prompt={h.prompt} />
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          {page.nextBefore !== null && (
            <button className="more" onClick={() => run(page.nextBefore!)}>
              Load more
            </button>
          )}
        </div>
      )}
      {open && (
        <div className="opened">
          <button className="ghost" onClick={() => setOpen(null)}>
            Close record {open.seq}
          </button>
          <Detail key={open.id} item={open} stored={{ seq: open.seq, hash: open.hash }} />
        </div>
      )}
      </div>
    </section>
  );
}
