import { useState } from 'react';
import { api, type ApprovalView } from './api.js';
import { Masked } from './Live.js';

export function Approvals({ approvals }: { approvals: ApprovalView[] }) {
  if (approvals.length === 0) {
    return (
      <section className="empty">
        <h1>Nothing waiting</h1>
        <p>When an agent asks to change a protected file or run a risky command, it is held here until you decide.</p>
      </section>
    );
  }
  return (
    <div className="cards">
      {approvals.map((a) => (
        <ApprovalCard key={a.id} a={a} />
      ))}
    </div>
  );
}

function ApprovalCard({ a }: { a: ApprovalView }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const decide = (decision: 'approve' | 'deny') =>
    api.call('decide', { id: a.id, decision, argsHash: a.argsHash, ...(reason ? { reason } : {}) }).catch((e: Error) => setError(e.message));
  return (
    <article className="card" aria-label={`Approval for ${a.tool}`}>
      <header>
        <strong>{a.tool}</strong> <span className="sub">from {a.client ?? 'unknown client'} · requested by {a.requester}</span>
      </header>
      {a.operation.previews.map((p, i) => (
        <div key={i} className="preview">
          {p.kind === 'command' && (
            <pre className="text cmd">
              $ <Masked text={p.command} />
            </pre>
          )}
          {p.kind === 'replace' && (
            <>
              <div className="file">{p.file}</div>
              <pre className="text del">
                <Masked text={p.oldText} />
              </pre>
              <pre className="text add">
                <Masked text={p.newText} />
              </pre>
            </>
          )}
          {p.kind === 'create' && (
            <>
              <div className="file">new file {p.file}</div>
              <pre className="text add">
                <Masked text={p.content} />
              </pre>
            </>
          )}
          {p.kind === 'patch' && (
            <pre className="text">
              <Masked text={p.text} />
            </pre>
          )}
          {p.kind === 'urls' && <pre className="text">{p.urls.join('\n')}</pre>}
        </div>
      ))}
      <p className="sub">
        Rule: {a.ruleIds.join(', ')} · {a.reasons.join('; ')} · default decision at {new Date(a.expiresAt).toLocaleTimeString()}
      </p>
      <div className="actions">
        <input aria-label="Reason" placeholder="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} />
        <button className="approve" onClick={() => void decide('approve')}>
          Approve
        </button>
        <button className="deny" onClick={() => void decide('deny')}>
          Deny
        </button>
      </div>
      {error && <p className="error">{error}</p>}
    </article>
  );
}
