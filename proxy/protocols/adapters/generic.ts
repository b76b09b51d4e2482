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
   * One keyword check over a run of events instead of one per event: a keyword in any
   * event's data is also in the run, so no keyword in the run means no event could change.
   */
  passes(text: string): boolean {
    return this.ctx.masker === null || !this.ctx.masker.mightContainSecret(text);
  }

  protected finish(): string {
    return '';
  }
}
