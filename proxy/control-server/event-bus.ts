/**
 * Live events for the control API stream. Keeps the most recent events in a ring so a
 * client that reconnects with Last-Event-ID gets what it missed (no lost events).
 */
import type { ControlEvent, ControlEventOf, EventData, EventType } from '../control/index.js';

type Listener = (e: ControlEvent) => void;

export class EventBus {
  private seq = 0;
  private readonly ring: ControlEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly capacity = 2000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  publish<T extends EventType>(type: T, data: EventData<T>): ControlEventOf<T> {
    const event: ControlEventOf<T> = { seq: ++this.seq, type, time: this.now().toISOString(), data };
    this.ring.push(event as ControlEvent);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) {
      try {
        l(event as ControlEvent);
      } catch {
        // one broken subscriber must not stop the others
      }
    }
    return event;
  }

  /** Events after `seq` still in the ring, and whether some were already dropped. */
  since(seq: number): { events: ControlEvent[]; gap: boolean } {
    const events = this.ring.filter((e) => e.seq > seq);
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    return { events, gap: seq + 1 < oldest && seq < this.seq };
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
