import { useState } from 'react';
import { api } from './api.js';
import { Masked } from './Live.js';

type Page = Awaited<ReturnType<typeof api.call<'search'>>>;

/** Audit search: full text + filters over the stored (masked) records, paginated; exports. */
export function Search() {
  const [q, setQ] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [decision, setDecision] = useState('');
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = (before?: number) => {
    setError(null);
    api
      .call('search', { ...(q ? { q } : {}), ...(endpoint ? { endpoint } : {}), ...(decision ? { decision } : {}), limit: 50, ...(before !== undefined ? { before } : {}) })
      .then((p) => setPage(before !== undefined && page ? { ...p, items: [...page.items, ...p.items] } : p))
      .catch((e: Error) => setError(e.message));
  };
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
          {['allowed', 'masked', 'blocked', 'approved', 'denied', 'timed-out'].map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <button type="submit">Search</button>
        <span className="exports">
          Export:{' '}
          {(['jsonl', 'har', 'ocsf'] as const).map((f) => (
            <a key={f} href={`/api/v1/export?format=${f}`} download>
              {f.toUpperCase()}
            </a>
          ))}
        </span>
      </form>
      {error && <p className="error">{error}</p>}
      {page && (
        <>
          <p className="sub">{page.total} record(s)</p>
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
                <tr key={h.seq}>
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
          {page.nextBefore !== null && (
            <button className="more" onClick={() => run(page.nextBefore!)}>
              Load more
            </button>
          )}
        </>
      )}
    </section>
  );
}
