import { useEffect, useRef, useState } from 'react';
import { api, type ApprovalView } from '../api.js';
import { formatLeft } from '../format.js';
import { useSecondsLeft } from '../hooks.js';
import { carriesMasked, restoredLine, isHighRisk, personName, ruleInWords, statedReason, userRequest, verified, type LiveItem } from '../model.js';
import { Masked, Previews } from '../shared/index.js';

/** Deciding one held call: approve or deny, with the reason typed so far; errors kept for display. */
export function useDecide(a: ApprovalView) {
  return useDecision((decision, reason) => api.call('decide', { id: a.id, decision, argsHash: a.argsHash, ...(reason ? { reason } : {}) }));
}

/**
 * Approve / deny through `send` (a local hold, or a server review); stays busy after success
 * (the card goes away when the list is updated), shows the error otherwise.
 */
export function useDecision(send: (decision: 'approve' | 'deny', reason: string) => Promise<unknown>, onDone?: () => void) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = (decision: 'approve' | 'deny') => {
    if (busy) return;
    setBusy(true);
    setError(null);
    send(decision, reason).then(
      () => onDone?.(),
      (e: Error) => {
        setError(e.message);
        setBusy(false);
      },
    );
  };
  return { reason, setReason, error, busy, decide };
}

/** "Denied automatically in 1:54": the default decision and when it falls. */
export function Countdown({ a, short = false }: { a: ApprovalView; short?: boolean }) {
  const left = useSecondsLeft(a.expiresAt);
  const verb = a.defaultDecision === 'deny' ? 'Denied' : 'Approved';
  return (
    <span className={`countdown to-${a.defaultDecision}`} role="timer" aria-label="Time to the default decision" title={`${verb} automatically in ${formatLeft(left)}`}>
      {short ? `${formatLeft(left)} left` : `${verb} automatically in ${formatLeft(left)}`}
    </span>
  );
}

/**
 * The Approve / Deny pair. Tab order is always reason → Approve → Deny; when a high-risk
 * rule fired, Deny is the visually primary (filled) button and Approve the outlined one.
 */
export function DecisionButtons({ a, d, shortcuts, focusReason = false }: { a: ApprovalView; d: ReturnType<typeof useDecide>; shortcuts: 'alt' | 'plain' | null; focusReason?: boolean }) {
  const high = isHighRisk(a);
  const reasonRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusReason) reasonRef.current?.focus();
  }, [focusReason, a.id]);
  const key = (k: string) => (shortcuts === 'alt' ? `Alt+${k}` : shortcuts === 'plain' ? k : undefined);
  return (
    <div className={`actions${high ? ' high-risk' : ''}`}>
      <input ref={reasonRef} aria-label="Reason" placeholder="Reason (optional)" value={d.reason} onChange={(e) => d.setReason(e.target.value)} />
      <button className={`approve${high ? ' secondary' : ' primary'}`} disabled={d.busy} onClick={() => d.decide('approve')} aria-keyshortcuts={key('A')}>
        Approve{shortcuts && <kbd>{key('A')}</kbd>}
      </button>
      <button className={`deny${high ? ' primary' : ' secondary'}`} disabled={d.busy} onClick={() => d.decide('deny')} aria-keyshortcuts={key('D')}>
        Deny{shortcuts && <kbd>{key('D')}</kbd>}
      </button>
    </div>
  );
}

/**
 * A held call, said so that a reviewer can decide in seconds: who asked (verified when signed
 * in), what the user asked for, the model's stated reason, what the call does (risky parts
 * highlighted), the rule in words, whether masked values are involved, and the countdown.
 */
export function ApprovalCard({ a, item, first, shortcuts = first ? 'alt' : null, focusReason = false }: { a: ApprovalView; item: LiveItem | undefined; first: boolean; shortcuts?: 'alt' | 'plain' | null; focusReason?: boolean }) {
  const d = useDecide(a);
  // Alt+A / Alt+D decide the oldest pending request, wherever focus is (also in the reason box).
  useEffect(() => {
    if (shortcuts !== 'alt') return;
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const k = e.key.toLowerCase();
      if (k === 'a' || e.code === 'KeyA') {
        e.preventDefault();
        d.decide('approve');
      } else if (k === 'd' || e.code === 'KeyD') {
        e.preventDefault();
        d.decide('deny');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  return (
    <article className={`card approval${isHighRisk(a) ? ' high-risk' : ''}`} aria-label={`Approval for ${a.tool}`}>
      <ApprovalFacts a={a} item={item} />
      <p className="countline">
        <Countdown a={a} />
      </p>
      <DecisionButtons a={a} d={d} shortcuts={shortcuts} focusReason={focusReason} />
      {d.error && <p className="error">{d.error}</p>}
    </article>
  );
}

/** What a reviewer reads before deciding (shared by the cards, the popup and the Live banner). */
export function ApprovalFacts({ a, item }: { a: ApprovalView; item: LiveItem | undefined }) {
  const asked = userRequest(item);
  const why = statedReason(a.arguments);
  const masked = (a.arguments.match(/\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\]/g) ?? []).length;
  const high = isHighRisk(a);
  return (
    <>
      <header className="card-head">
        <strong className="tool">{a.tool}</strong> <span className="sub">{a.operation.class}</span>
        {high && <span className="badge denied">high risk</span>}
        <div className="sub who">
          asked by <span className={verified(a.requesterIdentity) ? 'person verified' : 'person'}>{personName(a.requesterIdentity, a.requester)}</span>
          {verified(a.requesterIdentity) && <span title="verified sign-in"> ✓</span>}
          {a.client ? ` · in ${a.client}` : ''}
        </div>
      </header>
      {asked && (
        <p className="asked" aria-label="The user's request">
          <span className="label">Request</span> <Masked text={clip(asked, 280)} />
        </p>
      )}
      {why && (
        <p className="asked" aria-label="The model's reason">
          <span className="label">Model's reason</span> <Masked text={clip(why, 280)} />
        </p>
      )}
      <Previews previews={a.operation.previews} />
      {a.operation.previews.length === 0 && (
        <pre className="text tool">
          <Masked text={a.arguments} />
        </pre>
      )}
      <ul className="rules" aria-label="Why it is held">
        {a.ruleIds.map((r, i) => (
          <li key={r} title={`rule ${r}`}>
            Held: {ruleInWords(r, a.reasons[i])}
          </li>
        ))}
      </ul>
      {carriesMasked(a.arguments) && (
        <p className="sub warnline" aria-label="Masked values">
          {masked} masked value{masked === 1 ? '' : 's'} in these arguments: shown as placeholders here and in the record.
        </p>
      )}
      {(a.restoredForEditor ?? 0) > 0 && (
        <p className="sub restored" aria-label="Restored for the editor">
          {restoredLine(a.restoredForEditor ?? 0)} (it already had {(a.restoredForEditor ?? 0) === 1 ? 'that value' : 'those values'}; upstream and the record keep placeholders).
        </p>
      )}
    </>
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
