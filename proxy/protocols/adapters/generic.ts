/** Any other event stream on an intercepted host: every event masked as a whole (never a crash). */
import type { SseEvent } from '../sse.js';
import { BaseAdapter, parseJson } from './base.js';

export class GenericSseAdapter extends BaseAdapter {
  protected onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    // Most events hold nothing any detector could match: skip parsing them at all.
    if (this.ctx.masker && !this.ctx.masker.mightContainSecret(ev.data)) return ev.raw;
    const obj = parseJson(ev.data);
    return this.maskWhole(ev, obj === undefined ? ev.data : obj);
  }

  /**
   * One keyword check over the data of a run of events instead of one per event: a keyword
   * in any event's data is also in their data joined, so none there means no event could
   * change. (The data, not the raw text: `data:` itself is a keyword, of data URIs.)
   */
  passes(events: readonly SseEvent[]): boolean {
    if (this.ctx.masker === null) return true;
    // Checked as the UTF-8 bytes of the data joined by "\n", written straight to a buffer:
    // the keyword walk reads bytes faster than a string's characters.
    const data: string[] = [];
    for (const ev of events) if (ev.data !== null) data.push(ev.data);
    return !this.ctx.masker.mightContainSecretJoined(data);
  }

  protected finish(): string {
    return '';
  }
}
