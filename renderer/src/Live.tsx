import { useState } from 'react';
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

export function Live({ interactions }: { interactions: LiveItem[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  const current = interactions.find((i) => i.id === selected) ?? interactions[0] ?? null;
  if (interactions.length === 0) {
    return (
      <section className="empty">
        <h1>No Copilot traffic yet</h1>
        <p>Point your editor at the proxy shown above and trust the Witness CA; interactions appear here as they happen.</p>
      </section>
    );
  }
  return (
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
  );
}
