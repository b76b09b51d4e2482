import { useEffect, useRef, useState } from 'react';
import { api, type ApprovalView } from '../api.js';
import { ApprovalFacts, Countdown, DecisionButtons, useDecide } from '../components/index.js';
import { personName } from '../model.js';
import type { LiveItem } from '../model.js';

/**
 * The approval popup (`#/approval/ID`, about 420×560): one decision at a time, no navigation,
 * keyboard first. A approves, D denies (Alt+A / Alt+D also from the reason box), Esc closes
 * without deciding, ← / → step through the queue. Tab goes reason → Approve → Deny.
 */
export function Popup({ approvals, items, id }: { approvals: ApprovalView[]; items: ReadonlyMap<string, LiveItem>; id: string | undefined }) {
  // The one asked for first, then the rest of the queue in order.
  const queue = id ? [...approvals.filter((a) => a.id === id), ...approvals.filter((a) => a.id !== id)] : approvals;
  const [at, setAt] = useState(0);
  const index = Math.min(at, Math.max(0, queue.length - 1));
  const a = queue[index];
  const [gone, setGone] = useState<ApprovalView | null>(null);
  // The request this popup was opened for is no longer pending: say how it ended.
  useEffect(() => {
    if (!id || approvals.some((x) => x.id === id)) return;
    let live = true;
    void api.call('approval', { id }).then((r) => live && setGone(r), () => undefined);
    return () => {
      live = false;
    };
  }, [id, approvals.some((x) => x.id === id)]);
  const close = () => {
    window.close();
    // A tab the user opened cannot close itself: go to the full window instead.
    setTimeout(() => (location.hash = '#/approvals'), 50);
  };
  return (
    <div className="popup">
      {a ? <PopupDecision key={a.id} a={a} item={items.get(a.exchangeId)} n={index + 1} of={queue.length} step={(d) => setAt(Math.max(0, Math.min(queue.length - 1, index + d)))} close={close} /> : <Done gone={gone} close={close} />}
    </div>
  );
}

function PopupDecision({ a, item, n, of, step, close }: { a: ApprovalView; item: LiveItem | undefined; n: number; of: number; step: (d: number) => void; close: () => void }) {
  const d = useDecide(a);
  const card = useRef<HTMLElement>(null);
  // Focus the decision (not the reason box) so that A and D work at once.
  useEffect(() => card.current?.focus(), [a.id]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey) return;
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      const k = e.code === 'KeyA' ? 'a' : e.code === 'KeyD' ? 'd' : e.key;
      if (e.key === 'Escape') {
        e.preventDefault();
        close();
      } else if ((k === 'a' || k === 'd') && (e.altKey || !typing)) {
        e.preventDefault();
        d.decide(k === 'a' ? 'approve' : 'deny');
      } else if (!typing && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
        e.preventDefault();
        step(e.key === 'ArrowRight' ? 1 : -1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  return (
    <article ref={card} tabIndex={-1} className="card approval popup-card" aria-label={`Approval for ${a.tool}`}>
      <div className="stepper" role="group" aria-label="Queue">
        <button className="ghost small" onClick={() => step(-1)} disabled={n <= 1} aria-label="Previous request" tabIndex={-1}>
          ‹
        </button>
        <span aria-live="polite">
          {n} of {of}
        </span>
        <button className="ghost small" onClick={() => step(1)} disabled={n >= of} aria-label="Next request" tabIndex={-1}>
          ›
        </button>
        <Countdown a={a} />
      </div>
      <div className="popup-body">
        <ApprovalFacts a={a} item={item} />
      </div>
      <DecisionButtons a={a} d={d} shortcuts="plain" />
      {d.error && <p className="error">{d.error}</p>}
      <p className="sub keys">
        <kbd>A</kbd> approve · <kbd>D</kbd> deny · <kbd>Esc</kbd> close (no decision)
      </p>
    </article>
  );
}

function Done({ gone, close }: { gone: ApprovalView | null; close: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  return (
    <section className="empty popup-done">
      <h1>Nothing waiting</h1>
      {gone && gone.status !== 'pending' && (
        <p>
          {gone.tool}: {gone.status}
          {gone.approver ? ` by ${personName(gone.approverIdentity, gone.approver)}` : ''}
        </p>
      )}
      <p>
        <button className="ghost" onClick={close}>
          Close
        </button>
      </p>
    </section>
  );
}
