/**
 * Paired paced streams: the fake upstream feeds the streams of one group (`/sse?pair=ID&of=K`)
 * from one timer, each event written to all of them in the same turn with one send stamp; the
 * client reads them at the same time. An event's delay through a proxy less its delay on the
 * direct stream is then the time that route added to that very event: the upstream's timer
 * jitter and a stall of the client's loop fall on both streams alike and cancel.
 */
import { pct, round } from './clients.js';

/** One event as the client saw it: [arrival epoch ms, upstream send epoch ms, index n]. */
export type PacedEvent = readonly [arrival: number, sent: number, n: number];

/**
 * Per event, each stream's arrival less the base stream's, in event order. Throws unless every
 * stream holds events 0..n-1 in order, each once, and the streams agree on every event's send
 * stamp (they were fed by one timer): without that the differences would not be of one event.
 */
export function pairedDifferences(streams: Readonly<Record<string, readonly PacedEvent[]>>, base: string, n: number): Record<string, number[]> {
  const baseEvents = streams[base];
  if (!baseEvents) throw new Error(`paired streams: no ${base} stream`);
  for (const [name, events] of Object.entries(streams)) {
    if (events.length !== n) throw new Error(`paired streams: ${name} has ${events.length} events, expected ${n}`);
    events.forEach(([, sent, i], k) => {
      if (i !== k) throw new Error(`paired streams: ${name}'s event ${k} is n=${i} (out of order, missing or repeated)`);
      if (sent !== baseEvents[k]![1]) throw new Error(`paired streams: event ${k} was sent at ${sent} on ${name} but at ${baseEvents[k]![1]} on ${base}: not one timer`);
    });
  }
  const out: Record<string, number[]> = {};
  for (const [name, events] of Object.entries(streams)) if (name !== base) out[name] = events.map(([arrival], k) => arrival - baseEvents[k]![0]);
  return out;
}

/** p50, p99 and max of a list of ms, rounded to µs. */
export function spread(xs: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: round(pct([...xs], 50)), p99: round(pct([...xs], 99)), max: round(Math.max(...xs)) };
}
