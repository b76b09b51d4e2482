/**
 * Fleet health: every device with its user, Witness version, last seen, sync lag, records
 * waiting, chain status, the central policy version it enforces (old ones marked), and what
 * its engine reports about interception, the CA and clients that refuse it; states as IT's
 * fleet tools show them; filters and a CSV export of what is shown.
 */
import { useMemo } from 'react';
import { ago, formatMs } from '../../format.js';
import { saveFile, type FleetDevice } from '../server.js';
import { withParam } from '../params.js';
import type { ViewProps } from '../view-props.js';
import { ErrorLine, ListTable, usePolled } from '../../shared/index.js';

const STATES = ['online', 'offline', 'missing', 'never-synced', 'chain-broken'] as const;
const STATE_BADGE: Record<FleetDevice['state'], string> = { online: 'allowed', offline: 'pending', missing: 'timed-out', 'never-synced': 'neutral', 'chain-broken': 'blocked' };
const CHAIN_BADGE: Record<FleetDevice['chain'], string> = { anchored: 'allowed', none: 'neutral', gap: 'pending', fork: 'blocked' };

type Row = FleetDevice;

const COLUMNS: Array<[header: string, value: (d: Row, current: number) => string]> = [
  ['device', (d) => d.device],
  ['user', (d) => d.user],
  ['state', (d) => d.state],
  ['version', (d) => d.version ?? ''],
  ['lastSeen', (d) => d.lastSeen ?? ''],
  ['syncLagSeconds', (d) => (d.syncLag ?? '').toString()],
  ['waiting', (d) => (d.waiting ?? '').toString()],
  ['chain', (d) => d.chain],
  ['policyVersion', (d) => (d.policyVersion ?? '').toString()],
  ['policyCurrent', (d, current) => String(d.policyVersion === current)],
  ['interceptionPaused', (d) => (d.interceptionPaused ?? '').toString()],
  ['caExpiresAt', (d) => d.caExpiresAt ?? ''],
  ['tlsFailures', (d) => (d.tlsFailures ?? '').toString()],
  ['intercepted', (d) => (d.traffic?.intercepted ?? '').toString()],
  ['tunnelled', (d) => (d.traffic?.tunnelled ?? '').toString()],
  ['revokedAt', (d) => d.revokedAt ?? ''],
];

const csvCell = (s: string) => (/[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function toCsv(rows: readonly Row[], current: number): string {
  const lines = [COLUMNS.map(([h]) => h).join(',')];
  for (const d of rows) lines.push(COLUMNS.map(([, v]) => csvCell(v(d, current))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function Fleet({ api, params, setParams }: ViewProps) {
  // States change with time alone (offline after N minutes): ask again now and then.
  const polled = usePolled(() => Promise.all([api.devices(), api.policy()]).then(([d, p]) => ({ items: d.items, current: p.version })), 15_000);
  const items = polled.data?.items ?? null;
  const current = polled.data?.current ?? 0;
  const state = params.get('state') ?? '';
  const text = params.get('q') ?? '';
  const oldPolicy = params.get('policy') === 'old';

  const shown = useMemo(
    () =>
      (items ?? []).filter(
        (d) =>
          (!state || d.state === state) &&
          (!text || `${d.device} ${d.user} ${d.version ?? ''}`.toLowerCase().includes(text.toLowerCase())) &&
          (!oldPolicy || (current > 0 && d.policyVersion !== current)),
      ),
    [items, state, text, oldPolicy, current],
  );
  const counts = useMemo(() => Object.fromEntries(STATES.map((s) => [s, (items ?? []).filter((d) => d.state === s).length])), [items]);
  const set = (k: string, v: string) => setParams(withParam(params, k, v), true);

  return (
    <section className="fleet">
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <span className="chips" role="group" aria-label="State">
          <button type="button" className={`chip ${state ? '' : 'on'}`} aria-pressed={!state} onClick={() => set('state', '')}>
            all <span className="count">{items?.length ?? 0}</span>
          </button>
          {STATES.map((s) => (
            <button key={s} type="button" className={`chip ${state === s ? 'on' : ''}`} aria-pressed={state === s} onClick={() => set('state', state === s ? '' : s)}>
              {s} <span className="count">{counts[s]}</span>
            </button>
          ))}
        </span>
        <input aria-label="Find device" placeholder="device, user or version" value={text} onChange={(e) => set('q', e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={oldPolicy} onChange={(e) => set('policy', e.target.checked ? 'old' : '')} /> on an old policy
        </label>
        <span className="exports">
          <button type="button" className="link" disabled={!items} onClick={() => saveFile(new Blob([toCsv(shown, current)], { type: 'text/csv' }), 'witness-fleet.csv')}>
            Export CSV
          </button>
        </span>
      </form>
      <ErrorLine error={polled.error} />
      {items && (
        <ListTable label="Devices" className="list fleet-list" columns={['Device', 'User', 'State', 'Version', 'Last seen', { label: 'Sync lag', className: 'num' }, { label: 'Waiting', className: 'num' }, 'Chain', 'Policy', 'Interception', 'CA expires', { label: 'TLS failures', className: 'num', title: 'TLS handshakes refused by clients that do not trust the Witness CA' }, { label: 'Traffic', className: 'num', title: 'Exchanges intercepted / connections tunnelled unaudited' }]} empty={shown.length === 0 && <p className="empty">{items.length ? 'No device matches these filters.' : 'No device has enrolled yet.'}</p>}>
            <tbody>
              {shown.map((d) => (
                <tr key={d.device} data-device={d.device} data-state={d.state}>
                  <td className="mono" title={d.device}>
                    {d.device.length > 18 ? `${d.device.slice(0, 18)}…` : d.device}
                    {d.revokedAt && <span className="badge blocked">revoked</span>}
                  </td>
                  <td>{d.user}</td>
                  <td>
                    <span className={`badge ${STATE_BADGE[d.state]}`}>{d.state}</span>
                  </td>
                  <td>{d.version ?? '—'}</td>
                  <td title={d.lastSeen ? new Date(d.lastSeen).toLocaleString() : 'never'}>{d.lastSeen ? ago(Date.now() - Date.parse(d.lastSeen)) : 'never'}</td>
                  <td className="num">{d.syncLag === null ? '—' : d.syncLag === 0 ? '0 s' : formatMs(d.syncLag * 1000)}</td>
                  <td className="num">{d.waiting ?? '—'}</td>
                  <td>
                    <span className={`badge ${CHAIN_BADGE[d.chain]}`}>{d.chain === 'none' ? 'nothing yet' : d.chain}</span>
                  </td>
                  <td>
                    {d.policyVersion === null ? '—' : `v${d.policyVersion}`}
                    {current > 0 && d.policyVersion !== current && (
                      <>
                        {' '}
                        <span className="badge pending" title={`the current central policy is v${current}`}>
                          old
                        </span>
                      </>
                    )}
                  </td>
                  <td>{d.interceptionPaused == null ? '—' : d.interceptionPaused ? <span className="badge pending">paused</span> : 'on'}</td>
                  <td>{d.caExpiresAt ? <Expiry at={d.caExpiresAt} /> : '—'}</td>
                  <td className="num">{d.tlsFailures == null ? '—' : d.tlsFailures > 0 ? <span className="badge blocked">{d.tlsFailures}</span> : 0}</td>
                  <td className="num">{d.traffic ? `${d.traffic.intercepted} / ${d.traffic.tunnelled}` : '—'}</td>
                </tr>
              ))}
            </tbody>
</ListTable>
      )}
    </section>
  );
}

function Expiry({ at }: { at: string }) {
  const days = Math.floor((Date.parse(at) - Date.now()) / 86_400_000);
  const text = new Date(at).toLocaleDateString();
  return days < 30 ? <span className={`badge ${days < 0 ? 'blocked' : 'pending'}`}>{days < 0 ? `expired ${text}` : `${text} (${days} d)`}</span> : <>{text}</>;
}
