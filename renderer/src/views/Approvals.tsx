import { useState } from 'react';
import type { ApprovalView } from '../api.js';
import { ApprovalCard, ServerReviews } from '../components/index.js';
import type { LiveItem } from '../model.js';

/** Every held call, oldest first (Alt+A / Alt+D decide the first); then the server's reviews for your groups. */
export function Approvals({ approvals, items }: { approvals: ApprovalView[]; items: ReadonlyMap<string, LiveItem> }) {
  // "Nothing waiting" only when the server has no review for you either.
  const [reviews, setReviews] = useState(0);
  return (
    <>
      {approvals.length === 0 && reviews > 0 ? null : approvals.length === 0 ? (
        <section className="empty">
          <h1>Nothing waiting</h1>
          <p>When an agent asks to change a protected file or run a risky command, it is held here until you decide.</p>
        </section>
      ) : (
        <div className="cards">
          {approvals.map((a, i) => (
            <ApprovalCard key={a.id} a={a} item={items.get(a.exchangeId)} first={i === 0} />
          ))}
        </div>
      )}
      <ServerReviews onCount={setReviews} />
    </>
  );
}
