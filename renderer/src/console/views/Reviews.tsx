/**
 * Second reviews (policy `reviews` on the engines): holds forwarded to a reviewer group, with
 * who asked, the tool, the masked preview and the rule. A member of the group approves or
 * denies; the server refuses the requester's own approval (SELF_REVIEW_REFUSED) and anyone
 * outside the group, and the message says so. Auditors see every review, read only.
 */
import { useState } from 'react';
import { ServerError, type Review } from '../server.js';
import type { ViewProps } from '../view-props.js';
import { ErrorLine, ListTable, usePolled } from '../../shared/index.js';

const STATES = ['pending', 'approved', 'denied', 'timeout', 'withdrawn'];

export function Reviews({ api, me, params, setParams }: ViewProps) {
  const state = params.get('state') ?? 'pending';
  // Loaded for the state chosen and after each decision; not on a timer.
  const polled = usePolled(() => api.reviews(state).then((r) => r.items), null, [api, state]);
  const items = polled.data;
  const [busy, setBusy] = useState<string | null>(null);

  const decide = async (r: Review, decision: 'approve' | 'deny') => {
    setBusy(r.id);
    polled.setError(null);
    try {
      await api.decideReview(r.id, { decision, argsHash: r.argsHash });
      polled.reload();
    } catch (e) {
      polled.setError(e instanceof ServerError ? `${e.code}: ${e.message}` : (e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="reviews">
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <select aria-label="State" value={state} onChange={(e) => setParams(new URLSearchParams({ state: e.target.value }), true)}>
          {STATES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <span className="sub">{items ? `${items.length} review${items.length === 1 ? '' : 's'}` : 'loading…'}</span>
      </form>
      <ErrorLine error={polled.error} />
      {items && (
        <ListTable label="Reviews" columns={['Requested', 'Requester', 'Tool and arguments (masked)', 'Rule', 'Group', 'State']} empty={items.length === 0 && <p className="empty">No {state} review.</p>}>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-review={r.id}>
                  <td>{new Date(r.requestedAt).toLocaleString()}</td>
                  <td>{r.requester.email ?? r.requester.sub ?? 'signed out'}</td>
                  <td className="wrap">
                    <strong>{r.tool}</strong>
                    <pre className="mono">{r.preview}</pre>
                    <span className="sub mono" title="the decision is bound to this argument hash">
                      {r.argsHash.slice(0, 16)}…
                    </span>
                  </td>
                  <td className="mono">{r.ruleId}</td>
                  <td>{r.group}</td>
                  <td>
                    {r.state === 'pending' && me.groups.includes(r.group) ? (
                      <>
                        <button type="button" disabled={busy === r.id} onClick={() => void decide(r, 'approve')}>
                          Approve
                        </button>{' '}
                        <button type="button" disabled={busy === r.id} onClick={() => void decide(r, 'deny')}>
                          Deny
                        </button>
                      </>
                    ) : (
                      <span className={`badge ${r.state === 'approved' ? 'allowed' : r.state === 'pending' ? 'pending' : 'blocked'}`}>{r.state}</span>
                    )}
                    {r.reviewer && <div className="sub">by {r.reviewer.email ?? r.reviewer.sub}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
</ListTable>
      )}
    </section>
  );
}
