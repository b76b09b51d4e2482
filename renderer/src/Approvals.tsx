import { useEffect, useState } from 'react';
import { api, type ApprovalView } from './api.js';
import { Previews } from './Previews.js';

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
      {approvals.map((a, i) => (
        <ApprovalCard key={a.id} a={a} first={i === 0} />
      ))}
    </div>
  );
}

/** Seconds left until the default decision, ticking once a second. */
function useSecondsLeft(expiresAt: string): number {
  const left = () => Math.max(0, Math.ceil((Date.parse(expiresAt) - Date.now()) / 1000));
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    const timer = setInterval(() => setSeconds(left()), 1000);
    return () => clearInterval(timer);
  }, [expiresAt]);
  return seconds;
}

function formatLeft(s: number): string {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function ApprovalCard({ a, first }: { a: ApprovalView; first: boolean }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const secondsLeft = useSecondsLeft(a.expiresAt);
  const decide = (decision: 'approve' | 'deny') => {
    if (busy) return;
    setBusy(true);
    api
      .call('decide', { id: a.id, decision, argsHash: a.argsHash, ...(reason ? { reason } : {}) })
      .catch((e: Error) => {
        setError(e.message);
        setBusy(false);
      });
  };
  // Alt+A / Alt+D decide the oldest pending request, wherever focus is (also in the reason box).
  useEffect(() => {
    if (!first) return;
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const key = e.key.toLowerCase();
      if (key === 'a' || e.code === 'KeyA') {
        e.preventDefault();
        decide('approve');
      } else if (key === 'd' || e.code === 'KeyD') {
        e.preventDefault();
        decide('deny');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  return (
    <article className="card" aria-label={`Approval for ${a.tool}`}>
      <header>
        <strong>{a.tool}</strong> <span className="sub">from {a.client ?? 'unknown client'} · requested by {a.requester}</span>
      </header>
      <Previews previews={a.operation.previews} />
      <p className="sub">
        Rule: {a.ruleIds.join(', ')} · {a.reasons.join('; ')}
      </p>
      <p className={`countdown to-${a.defaultDecision}`} role="timer" aria-label="Time to the default decision">
        {a.defaultDecision === 'deny' ? 'Denied' : 'Approved'} automatically in {formatLeft(secondsLeft)}
      </p>
      <div className="actions">
        <input aria-label="Reason" placeholder="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} />
        <button className="approve" disabled={busy} onClick={() => decide('approve')} aria-keyshortcuts={first ? 'Alt+A' : undefined}>
          Approve{first && <kbd>Alt+A</kbd>}
        </button>
        <button className="deny" disabled={busy} onClick={() => decide('deny')} aria-keyshortcuts={first ? 'Alt+D' : undefined}>
          Deny{first && <kbd>Alt+D</kbd>}
        </button>
      </div>
      {error && <p className="error">{error}</p>}
    </article>
  );
}
