/**
 * Second reviews waiting for the signed-in person's groups on the central server, in their
 * own window: the engine fetches them with their sign-in (control API `reviews`) and forwards
 * the decision (`reviewDecide`). Each card is a held call's card (the same facts, countdown
 * and buttons) plus the device and the group. The server refuses the requester's own
 * approval; the card shows its message. Nothing shows without a central server or sign-in.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ControlApiError, extractOperation, type ApprovalView, type Review } from '../api.js';
import { isHighRisk } from '../model.js';
import { ApprovalFacts, Countdown, DecisionButtons, useDecision } from './Decision.js';

/** How often the list is asked again (the server sends no events to the window). */
const REFRESH_MS = 5000;

export function ServerReviews({ onCount }: { onCount?: (n: number) => void } = {}) {
  const [items, setItems] = useState<Review[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const listed = useRef(false);
  const load = useCallback(() => {
    api.call('reviews', {}).then(
      (xs) => {
        listed.current = true;
        setItems(xs);
        onCount?.(xs.length);
        setError(null);
      },
      (e: Error) => {
        // No central server or nobody signed in (and never listed here): not for this window.
        if (e instanceof ControlApiError && e.code === 'REVIEWS_UNAVAILABLE' && !listed.current) return;
        setError(e.message);
      },
    );
  }, [onCount]);
  useEffect(() => {
    load();
    const t = setInterval(load, REFRESH_MS);
    return () => clearInterval(t);
  }, [load]);
  if (items === null && error === null) return null;
  return (
    <section className="server-reviews" aria-label="Reviews for your groups">
      <h2>Reviews for your groups</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {items?.length === 0 && <p className="sub">Nothing waiting for a reviewer of your groups.</p>}
      <div className="cards">
        {items?.map((r) => (
          <ReviewCard key={r.id} r={r} onDone={load} />
        ))}
      </div>
    </section>
  );
}

function ReviewCard({ r, onDone }: { r: Review; onDone: () => void }) {
  const a = asHeld(r);
  const d = useDecision((decision, reason) => api.call('reviewDecide', { id: r.id, decision, argsHash: r.argsHash, ...(reason ? { reason } : {}) }), onDone);
  return (
    <article className={`card approval review${isHighRisk(a) ? ' high-risk' : ''}`} aria-label={`Review of ${r.tool}`} data-review={r.id}>
      <ApprovalFacts a={a} item={undefined} />
      <p className="sub">
        from device <span className="mono">{r.device}</span> · for the group <strong>{r.group}</strong> · rule <span className="mono">{r.ruleId}</span>
      </p>
      <p className="countline">
        <Countdown a={a} />
      </p>
      <DecisionButtons a={a} d={d} shortcuts={null} />
      {d.error && <p className="error">{d.error}</p>}
    </article>
  );
}

/** A server review in the shape of a held call, so the held call's card pieces render it. */
function asHeld(r: Review): ApprovalView {
  return {
    id: r.id,
    exchangeId: r.hold,
    host: '',
    client: null,
    requester: r.requester.email ?? r.requester.sub ?? 'unknown',
    tool: r.tool,
    arguments: r.preview,
    argsHash: r.argsHash,
    operation: extractOperation(r.tool, r.preview),
    ruleIds: [r.ruleId],
    reasons: r.reasons,
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt,
    // A review nobody decides falls to the policy default, which is a denial (docs/policy.md).
    defaultDecision: 'deny',
    status: 'pending',
    decidedAt: null,
    approver: null,
    requesterIdentity: r.requester,
    approverIdentity: null,
    reason: null,
  };
}
