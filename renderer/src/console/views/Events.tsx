/**
 * Security events in one list, newest first: what the server refused or noticed (refused
 * batches, gaps, forks, revoked or re-enrolled devices, refused policy bundles, publications)
 * and the held tool calls people denied or that timed out (records with those decisions).
 * Filterable by kind, device and text; a record opens in Search.
 */
import { useEffect, useMemo, useState } from 'react';
import type { SecurityEvent, ServerSearchPage } from '../server.js';
import { withParam } from '../params.js';
import type { ViewProps } from '../view-props.js';
import { ErrorLine, ListTable } from '../../shared/index.js';

interface Row {
  key: string;
  time: string;
  kind: string;
  device: string | null;
  code: string;
  message: string;
  record?: string;
}

/** The kinds an auditor filters by, from the server's codes. */
function kindOf(code: string): string {
  if (code === 'CHAIN_GAP') return 'gap';
  if (code === 'CHAIN_FORK' || code === 'RECORD_INVALID') return 'fork';
  if (code === 'DEVICE_REVOKED' || code === 'DEVICE_REENROLLED' || code === 'DEVICE_UNKNOWN' || code === 'DEVICE_KEY_MISMATCH') return 'device';
  if (code.startsWith('POLICY_')) return 'policy';
  return 'refused batch';
}
const KINDS = ['refused batch', 'gap', 'fork', 'device', 'policy', 'denied', 'timed-out'];

function approvalRows(page: ServerSearchPage, decision: string): Row[] {
  return page.items.map((h) => ({
    key: `r:${h.id}`,
    time: h.time,
    kind: decision,
    device: h.device,
    code: decision === 'denied' ? 'APPROVAL_DENIED' : 'APPROVAL_TIMED_OUT',
    message: `${h.toolCalls.map((t) => t.split(' ')[0]).join(', ') || 'a tool call'} ${decision === 'denied' ? 'denied' : 'timed out'} for ${h.identity?.email ?? h.user}`,
    record: h.id,
  }));
}

export function Events({ api, params, setParams }: ViewProps) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const kind = params.get('kind') ?? '';
  const device = params.get('device') ?? '';
  const text = params.get('q') ?? '';

  useEffect(() => {
    let live = true;
    Promise.all([api.securityEvents(), api.search({ decision: 'denied', limit: 200 }), api.search({ decision: 'timed-out', limit: 200 })]).then(
      ([ev, denied, timedOut]) => {
        if (!live) return;
        const server = ev.items.map((e: SecurityEvent) => ({ key: `e:${e.id}`, time: e.time, kind: kindOf(e.code), device: e.device, code: e.code, message: e.message }));
        setRows([...server, ...approvalRows(denied, 'denied'), ...approvalRows(timedOut, 'timed-out')].sort((a, b) => b.time.localeCompare(a.time)));
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, []);

  const shown = useMemo(
    () => (rows ?? []).filter((r) => (!kind || r.kind === kind) && (!device || (r.device ?? '').includes(device)) && (!text || `${r.code} ${r.message}`.toLowerCase().includes(text.toLowerCase()))),
    [rows, kind, device, text],
  );
  const set = (k: string, v: string) => setParams(withParam(params, k, v), true);

  return (
    <section className="events">
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <select aria-label="Kind" value={kind} onChange={(e) => set('kind', e.target.value)}>
          <option value="">every kind</option>
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <input aria-label="Device" placeholder="device id" value={device} onChange={(e) => set('device', e.target.value)} />
        <input aria-label="Find" placeholder="code or words" value={text} onChange={(e) => set('q', e.target.value)} />
        <span className="sub">{rows ? `${shown.length} of ${rows.length}` : 'loading…'}</span>
      </form>
      <ErrorLine error={error} />
      {rows && (
        <ListTable label="Security events" columns={['Time', 'Kind', 'Device', 'Code', 'What happened']} empty={shown.length === 0 && <p className="empty">{rows.length ? 'No event matches these filters.' : 'No security event yet.'}</p>}>
            <tbody>
              {shown.map((r) => (
                <tr key={r.key} data-code={r.code}>
                  <td>{new Date(r.time).toLocaleString()}</td>
                  <td>
                    <span className={`badge ${r.kind === 'policy' ? 'allowed' : r.kind === 'device' || r.kind === 'timed-out' ? 'pending' : 'blocked'}`}>{r.kind}</span>
                  </td>
                  <td className="mono" title={r.device ?? ''}>
                    {r.device ? r.device.slice(0, 18) : '—'}
                  </td>
                  <td className="mono">{r.code}</td>
                  <td className="wrap">
                    {r.message}
                    {r.record && (
                      <>
                        {' '}
                        <a href={`/search?record=${encodeURIComponent(r.record)}`}>open record</a>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
</ListTable>
      )}
    </section>
  );
}
