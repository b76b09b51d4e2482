import { useEffect, useState } from 'react';
import { api, type ApprovalView } from '../api.js';
import type { LiveItem, StoredRef } from '../model.js';
import { RecordView } from '../shared/index.js';
import { ApprovalFacts, Countdown, DecisionButtons, useDecide } from './Decision.js';

type Stored = NonNullable<Awaited<ReturnType<typeof api.call<'record'>>>>;

/** The window's detail: the shared record view, the stored record fetched from the engine, a held exchange's decision on top. */
export function Detail({ item, stored, pending }: { item: LiveItem; stored: StoredRef | undefined; pending?: ApprovalView | undefined }) {
  const [record, setRecord] = useState<Stored | null>(null);
  // The stored record adds what only the store knows (seq, hash chain, device).
  useEffect(() => {
    if (item.streaming || !stored) return;
    let live = true;
    void api.call('record', { id: item.id }).then((r) => live && setRecord(r), () => undefined);
    return () => {
      live = false;
    };
  }, [item.id, item.streaming, stored?.seq]);
  return (
    <RecordView
      item={item}
      record={record}
      pending={pending}
      banner={pending && <HeldBanner a={pending} item={item} />}
      chainNote={item.streaming ? 'recorded when the exchange ends' : stored ? 'loading…' : 'being stored…'}
    />
  );
}

/** A held exchange, said at the top of its detail: what waits, the countdown, and the decision right here. */
function HeldBanner({ a, item }: { a: ApprovalView; item: LiveItem }) {
  const d = useDecide(a);
  return (
    <section className="held-banner" role="region" aria-label="Waiting for approval">
      <p className="held-title">
        <strong>Waiting for approval</strong> · <Countdown a={a} />
      </p>
      <ApprovalFacts a={a} item={item} />
      <DecisionButtons a={a} d={d} shortcuts={null} />
      {d.error && <p className="error">{d.error}</p>}
    </section>
  );
}
