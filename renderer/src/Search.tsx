import { useEffect, useState } from 'react';
import { api, DOWNLOADS } from './api.js';
import { Detail } from './Detail.js';
import { Masked } from './Live.js';

type Page = Awaited<ReturnType<typeof api.call<'search'>>>;
type Rec = NonNullable<Awaited<ReturnType<typeof api.call<'record'>>>>;

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
    void api.call('record', { id }).then(setOpen, (e: Error) => setError(e.message));
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
        <input aria-label="Search text" placeholder="Search prompts, responses, tool calls…" value={q} onChange={(e) => setQ(e.target.value)} />
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
        <button type="submit">Search</button>
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
      {page && (
        <>
          <p className="sub">
            {page.total} record{page.total === 1 ? '' : 's'}
            {page.total === 0 && (q || endpoint || decision || maskedOnly || since || until) ? ' match these filters' : ''}
          </p>
          <div className="tablewrap">
          <table className="list" aria-label="Search results">
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>User</th>
                <th>Client</th>
                <th>Kind</th>
                <th>Decision</th>
                <th>Prompt</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((h) => (
                <tr key={h.seq} tabIndex={0} className={open?.id === h.id ? 'sel' : ''} onClick={() => show(h.id)} onKeyDown={(e) => e.key === 'Enter' && show(h.id)}>
                  <td>{h.seq}</td>
                  <td>{new Date(h.time).toLocaleString()}</td>
                  <td>{h.user}</td>
                  <td>{h.client ?? '—'}</td>
                  <td>{h.endpoint}</td>
                  <td>
                    <span className={`badge ${h.decision}`}>{h.decision}</span>
                  </td>
                  <td className="clip">
                    <Masked text={h.prompt} />
                  </td>
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
        </>
      )}
      {open && (
        <div className="opened">
          <button className="ghost" onClick={() => setOpen(null)}>
            Close record {open.seq}
          </button>
          <Detail key={open.id} item={open} stored={{ seq: open.seq, hash: open.hash }} />
        </div>
      )}
    </section>
  );
}
