/**
 * SIEM exports: each destination the server pushes records to (`siem.destinations`), where
 * its cursor stands, how many records were delivered, how many wait, how many it refused
 * for good (dead letters, the newest listed on demand) and its last error. Refreshed every
 * few seconds; it shows and never changes anything.
 */
import { useState } from 'react';
import { ago } from '../../format.js';
import type { SiemDeadLetter as DeadLetter, SiemExportStatus as ExportStatus } from '../server.js';
import type { ViewProps } from '../view-props.js';
import { ErrorLine, ListTable, usePolled } from '../../shared/index.js';

const since = (iso: string | null) => (iso ? ago(Date.now() - Date.parse(iso)) : '—');

/** Healthy, backing off after a failure, or holding dead letters: one word for the badge. */
function stateOf(e: ExportStatus): [label: string, badge: string] {
  if (e.nextAttemptAt) return ['retrying', 'pending'];
  if (e.deadLetters > 0) return ['dead letters', 'blocked'];
  if (e.pending > 0) return ['sending', 'neutral'];
  return ['up to date', 'allowed'];
}

export function Exports({ api }: ViewProps) {
  const polled = usePolled(() => api.exports().then((r) => r.items), 5_000);
  const items = polled.data;
  const [open, setOpen] = useState<{ name: string; items: DeadLetter[] } | null>(null);

  const showDead = (name: string) =>
    api.deadLetters(name).then(
      (r) => setOpen({ name, items: r.items }),
      (e: Error) => polled.setError(e.message),
    );

  return (
    <section className="exports-view">
      <ErrorLine error={polled.error} />
      {items && (
        <ListTable label="SIEM exports" columns={['Destination', 'Kind', 'State', { label: 'Cursor', className: 'num' }, { label: 'Delivered', className: 'num' }, { label: 'Pending', className: 'num' }, { label: 'Dead letters', className: 'num' }, 'Last delivered', 'Last error']} empty={items.length === 0 && <p className="empty">No SIEM destination is configured (siem.destinations in the server configuration).</p>}>
            <tbody>
              {items.map((e) => {
                const [label, badge] = stateOf(e);
                return (
                  <tr key={e.name} data-destination={e.name}>
                    <td>
                      <strong>{e.name}</strong>
                      <div className="sub mono">{e.url}</div>
                    </td>
                    <td>{e.kind === 'otlp' ? 'OTLP logs' : 'OCSF'}</td>
                    <td>
                      <span className={`badge ${badge}`}>{label}</span>
                    </td>
                    <td className="num">{e.cursor}</td>
                    <td className="num" data-field="delivered">
                      {e.delivered}
                    </td>
                    <td className="num" data-field="pending">
                      {e.pending}
                    </td>
                    <td className="num" data-field="deadLetters">
                      {e.deadLetters > 0 ? (
                        <button type="button" className="link" onClick={() => void showDead(e.name)}>
                          {e.deadLetters}
                        </button>
                      ) : (
                        0
                      )}
                    </td>
                    <td title={e.lastDeliveredAt ?? ''}>{since(e.lastDeliveredAt)}</td>
                    <td className="wrap" data-field="lastError" title={e.lastErrorAt ?? ''}>
                      {e.lastError ? `${e.lastError} (${since(e.lastErrorAt)})` : '—'}
                      {e.nextAttemptAt && <div className="sub">next attempt {new Date(e.nextAttemptAt).toLocaleTimeString()}</div>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
</ListTable>
      )}
      {open && (
        <div className="tablewrap">
          <h3>
            Dead letters of {open.name}{' '}
            <button type="button" className="link" onClick={() => setOpen(null)}>
              close
            </button>
          </h3>
          <table className="list" aria-label={`Dead letters of ${open.name}`}>
            <thead>
              <tr>
                <th>When</th>
                <th>Record</th>
                <th className="num">Status</th>
                <th>Answer</th>
              </tr>
            </thead>
            <tbody>
              {open.items.map((d) => (
                <tr key={`${d.recordId}:${d.at}`}>
                  <td>{new Date(d.at).toLocaleString()}</td>
                  <td className="mono">
                    <a href={`/search?record=${encodeURIComponent(d.recordId)}`}>{d.recordId}</a>
                  </td>
                  <td className="num">{d.status ?? '—'}</td>
                  <td className="wrap">{d.error}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
