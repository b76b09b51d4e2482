import { useMemo, useState } from 'react';
import type { LiveItem } from './App.js';

const MASK = /(\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\])/g;

/** Text with masked spans highlighted (the placeholder names the secret type). */
export function Masked({ text }: { text: string }) {
  return (
    <>
      {text.split(MASK).map((part, i) =>
        i % 2 ? (
          <mark key={i} className="masked" title={`masked ${part.split(':')[1]}`}>
            {part}
          </mark>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

type Chip = 'masked' | 'held' | 'tools' | `kind:${string}`;

const CHIP_TEST: Record<'masked' | 'held' | 'tools', (i: LiveItem) => boolean> = {
  masked: (i) => i.maskings.length > 0,
  held: (i) => !['allowed', 'masked'].includes(i.decision),
  tools: (i) => i.toolCalls.length > 0,
};

function matches(i: LiveItem, chips: Set<Chip>): boolean {
  const kinds = [...chips].filter((c) => c.startsWith('kind:')).map((c) => c.slice(5));
  if (kinds.length > 0 && !kinds.includes(i.endpoint)) return false;
  return (['masked', 'held', 'tools'] as const).every((c) => !chips.has(c) || CHIP_TEST[c](i));
}

export function Live({ interactions: all }: { interactions: LiveItem[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  const [chips, setChips] = useState<Set<Chip>>(new Set());
  // Paused: the rows shown are frozen (their content still updates); new ones wait behind "Resume".
  const [frozen, setFrozen] = useState<Set<string> | null>(null);
  const toggle = (c: Chip) =>
    setChips((xs) => {
      const next = new Set(xs);
      if (!next.delete(c)) next.add(c);
      return next;
    });
  const kinds = useMemo(() => [...new Set(all.map((i) => i.endpoint))].sort(), [all]);
  const visible = all.filter((i) => !frozen || frozen.has(i.id));
  const waiting = frozen ? all.length - visible.length : 0;
  const interactions = visible.filter((i) => matches(i, chips));
  const current = interactions.find((i) => i.id === selected) ?? interactions[0] ?? null;
  const toolbar = (
    <div className="toolbar" role="toolbar" aria-label="Live filters">
      {([['masked', 'Masked'], ['held', 'Held or blocked'], ['tools', 'Tool calls']] as const).map(([c, label]) => (
        <button key={c} className="chip" aria-pressed={chips.has(c)} onClick={() => toggle(c)}>
          {label}
        </button>
      ))}
      {kinds.map((k) => (
        <button key={k} className="chip" aria-pressed={chips.has(`kind:${k}`)} onClick={() => toggle(`kind:${k}`)}>
          {k}
        </button>
      ))}
      <span className="sub">
        {interactions.length} of {all.length}
      </span>
      <button className="pause" aria-pressed={frozen !== null} onClick={() => setFrozen(frozen ? null : new Set(all.map((i) => i.id)))}>
        {frozen ? `Resume${waiting ? ` (${waiting} new)` : ''}` : 'Pause'}
      </button>
    </div>
  );
  if (all.length === 0) {
    return (
      <section className="empty">
        <h1>No Copilot traffic yet</h1>
        <p>Point your editor at the proxy shown above and trust the Witness CA; interactions appear here as they happen.</p>
      </section>
    );
  }
  return (
    <>
    {toolbar}
    <div className="split">
      <table className="list" aria-label="Interactions">
        <thead>
          <tr>
            <th>Time</th>
            <th>Client</th>
            <th>Kind</th>
            <th>Model</th>
            <th>Masked</th>
            <th>Decision</th>
            <th>Latency</th>
          </tr>
        </thead>
        <tbody>
          {interactions.map((i) => {
            const maskedCount = i.maskings.reduce((a, m) => a + m.count, 0);
            return (
              <tr key={i.id} className={current?.id === i.id ? 'sel' : ''} onClick={() => setSelected(i.id)} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && setSelected(i.id)}>
                <td>{new Date(i.time).toLocaleTimeString()}</td>
                <td>{i.client.editor ?? '—'}</td>
                <td>{i.endpoint}</td>
                <td>{i.model ?? '—'}</td>
                <td>{maskedCount ? <span className="badge warn">{maskedCount}</span> : '—'}</td>
                <td>
                  {i.streaming ? <span className="badge streaming">streaming</span> : <span className={`badge ${i.decision}`}>{i.decision}</span>}
                </td>
                <td>{i.timings.end !== null ? `${Math.round(i.timings.end - i.timings.start)} ms` : '…'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {current && (
        <article className="detail" aria-label="Interaction detail">
          <h2>
            {current.endpoint} · {current.model ?? 'unknown model'} <span className={`badge ${current.decision}`}>{current.decision}</span>
          </h2>
          <p className="sub">
            {current.client.editor ?? 'unknown client'} {current.client.editorVersion ?? ''} · {current.host}
            {current.path.split('?')[0]}
          </p>
          <h3>Prompt</h3>
          <pre className="text">
            <Masked text={current.prompt || '(no prompt text)'} />
          </pre>
          {current.response && (
            <>
              <h3>Response{current.streaming ? ' (streaming…)' : ''}</h3>
              <pre className="text">
                <Masked text={current.response} />
              </pre>
            </>
          )}
          {current.toolCalls.length > 0 && (
            <>
              <h3>Tool calls</h3>
              {current.toolCalls.map((c) => (
                <pre key={`${c.index}-${c.id}`} className="text tool">
                  <strong>{c.name}</strong> <Masked text={c.arguments} />
                </pre>
              ))}
            </>
          )}
          {current.maskings.length > 0 && (
            <p className="sub">
              Masked: {current.maskings.map((m) => `${m.count}× ${m.type} (${m.where})`).join(', ')}
            </p>
          )}
        </article>
      )}
    </div>
    </>
  );
}
