/**
 * Fleet-wide search: every filter the server's query API takes, kept in the URL (so a result
 * set can be shared and exported as shown), the result table, the record detail rendered as
 * the Witness window renders it, and JSONL / OCSF exports of the current result set.
 */
import { useEffect, useState } from 'react';
import { ErrorLine, HitCells, RecordView, ListTable } from '../../shared/index.js';
import type { ExportedRecord, ServerSearchPage } from '../server.js';
import { withParam } from '../params.js';
import type { ViewProps } from '../view-props.js';

const DECISIONS = ['allowed', 'masked', 'blocked', 'approved', 'denied', 'timed-out', 'cancelled'];
/** Filters in the order of the form; each is a query parameter of GET /api/v1/records. */
const TEXT_FILTERS: Array<[key: string, label: string, placeholder: string]> = [
  ['user', 'User', 'user or e-mail'],
  ['device', 'Device', 'device id'],
  ['client', 'Client', 'e.g. vscode'],
  ['model', 'Model', 'e.g. gpt-4.1'],
  ['tool', 'Tool', 'e.g. run_in_terminal'],
];
const FILTER_KEYS = ['q', 'user', 'device', 'since', 'until', 'client', 'model', 'decision', 'masked', 'tool'];

const toLocal = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (local: string) => (local ? new Date(local).toISOString() : '');
/** Today's records by time of day, older ones with the date. */
function when(iso: string): string {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

export function Search({ api, me, params, setParams }: ViewProps) {
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? ''])) as Record<string, string>;
  const [draft, setDraft] = useState(filters);
  const [page, setPage] = useState<ServerSearchPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<ExportedRecord | null>(null);
  const key = FILTER_KEYS.map((k) => filters[k]).join('\u0000');
  const openId = params.get('record');

  useEffect(() => {
    setDraft(filters);
    setError(null);
    let live = true;
    api.search({ ...filters, limit: 50 }).then((p) => live && setPage(p), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [key]);
  useEffect(() => {
    if (!openId) return setOpen(null);
    let live = true;
    api.record(openId).then((r) => live && setOpen(r), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [openId]);

  const more = () => page?.nextBefore != null && api.search({ ...filters, limit: 50, before: page.nextBefore }).then((p) => setPage({ ...p, items: [...page.items, ...p.items] }), (e: Error) => setError(e.message));
  const apply = (next: Record<string, string>) => {
    const p = new URLSearchParams();
    for (const k of FILTER_KEYS) if (next[k]) p.set(k, next[k]!);
    setParams(p);
  };
  const show = (id: string) => setParams(withParam(params, 'record', id));
  const close = () => setParams(withParam(params, 'record', ''));
  const set = (k: string, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const filtered = FILTER_KEYS.some((k) => filters[k]);
  const exportAs = (format: 'jsonl' | 'ocsf') => void api.exportRecords(format, filters).catch((e: Error) => setError(e.message));

  return (
    <section className="search console-search">
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <span className="q">
          <input aria-label="Search text" placeholder="Search prompts, responses, tool calls…" value={draft.q} onChange={(e) => set('q', e.target.value)} />
          <button type="submit">Search</button>
        </span>
        {TEXT_FILTERS.filter(([k]) => me.auditor || (k !== 'user')).map(([k, label, placeholder]) => (
          <input key={k} className="narrow" aria-label={label} placeholder={placeholder} value={draft[k]} onChange={(e) => set(k, e.target.value)} />
        ))}
        <select aria-label="Decision" value={draft.decision} onChange={(e) => set('decision', e.target.value)}>
          <option value="">any decision</option>
          {DECISIONS.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
        <select aria-label="Masked" value={draft.masked} onChange={(e) => set('masked', e.target.value)}>
          <option value="">masked or not</option>
          <option value="true">with masked secrets</option>
          <option value="false">nothing masked</option>
        </select>
        <label className="range">
          from <input type="datetime-local" aria-label="From" value={toLocal(draft.since || null)} onChange={(e) => set('since', fromLocal(e.target.value))} />
        </label>
        <label className="range">
          to <input type="datetime-local" aria-label="To" value={toLocal(draft.until || null)} onChange={(e) => set('until', fromLocal(e.target.value))} />
        </label>
        {filtered && (
          <button type="button" className="ghost small" onClick={() => apply({})}>
            Clear
          </button>
        )}
        <span className="exports">
          Export:{' '}
          <button type="button" className="link" onClick={() => exportAs('jsonl')}>
            JSONL
          </button>{' '}
          <button type="button" className="link" onClick={() => exportAs('ocsf')}>
            OCSF
          </button>
        </span>
      </form>
      <ErrorLine error={error} />
      <div className={open ? 'results split' : 'results'}>
        {page && (
          <div className="results-list">
            <p className="sub" aria-live="polite">
              {page.total} record{page.total === 1 ? '' : 's'}
              {filtered ? (page.total === 1 ? ' matches these filters' : ' match these filters') : me.auditor ? ' across the fleet' : ' from your devices'}
            </p>
            <ListTable label="Search results" columns={[{ label: 'Time', className: 'c-time' }, { label: 'User', className: 'c-user' }, { label: 'Device', className: 'c-device' }, { label: 'Client', className: 'c-who' }, { label: 'Model', className: 'c-model' }, { label: 'Tools', className: 'c-tools' }, { label: 'Decision', className: 'c-decision' }, 'Prompt']}>
                <tbody>
                  {page.items.map((h) => (
                    <tr key={`${h.device}:${h.seq}`} tabIndex={0} className={open?.id === h.id ? 'sel' : ''} onClick={() => show(h.id)} onKeyDown={(e) => e.key === 'Enter' && show(h.id)}>
                      <td title={new Date(h.time).toLocaleString()}>{when(h.time)}</td>
                      <td className="c-user" title={h.identity?.email ?? h.user}>
                        {h.identity?.email ?? h.user}
                      </td>
                      <td className="c-device mono" title={h.device}>
                        {h.device.slice(0, 12)}
                      </td>
                      <td className="c-who">{h.client ?? '—'}</td>
                      <HitCells model={h.model} tools={h.toolCalls.map((t) => t.split(' ')[0]!)} decision={h.decision} prompt={h.prompt} />
                    </tr>
                  ))}
                </tbody>
</ListTable>
            {page.nextBefore !== null && (
              <button className="more" onClick={() => void more()}>
                Load more
              </button>
            )}
          </div>
        )}
        {open && (
          <div className="opened">
            <button className="ghost" onClick={close}>
              Close record {open.seq}
            </button>
            <RecordView key={open.id} item={open} record={open} />
          </div>
        )}
      </div>
    </section>
  );
}
