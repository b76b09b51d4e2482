/** Records as the control API returns them, collected from `record.stored` events. */
import { openEventStream } from '../../helpers/events.js';

export interface RecordWatch {
  ids: string[];
  events: Array<{ type: string; data: unknown }>;
  /** Waits (polling the event list, not a timer) until `n` records are stored, then fetches them. */
  records(n: number): Promise<Array<Record<string, any>>>;
  close(): void;
}

export async function watchRecords(control: { url: string; token: string }): Promise<RecordWatch> {
  const ids: string[] = [];
  const events: Array<{ type: string; data: unknown }> = [];
  const stream = await openEventStream(control.url, control.token, (type, data) => {
    events.push({ type, data });
    if (type === 'record.stored') ids.push((data as { id: string }).id);
  });
  const get = async (id: string) => {
    const res = await fetch(`${control.url}/api/v1/record?id=${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${control.token}` } });
    if (res.status !== 200) throw new Error(`record ${id}: HTTP ${res.status}`);
    return (await res.json()) as Record<string, any>;
  };
  return {
    ids,
    events,
    records: async (n) => {
      const deadline = Date.now() + 60_000;
      while (ids.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${ids.length} of ${n} records stored`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return Promise.all(ids.slice(0, n).map(get));
    },
    close: () => stream.close(),
  };
}
