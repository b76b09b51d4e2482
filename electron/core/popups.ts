/**
 * One approval popup per pending decision: opened when a decision is requested, stacked so
 * none hides another, closed when the decision is made (here, in the window, in the CLI or
 * by timeout). Closing a popup decides nothing: the request stays pending, is not popped up
 * again, and remains in the tray count and the window. The window factory is injected.
 */
import type { ApprovalView } from '../../proxy/control/index.js';

export const POPUP_WIDTH = 420;
export const POPUP_HEIGHT = 560;
/** Offset between stacked popups, and how many fit before the stack starts over. */
const CASCADE = 28;
const CASCADE_SLOTS = 8;
const MARGIN = 16;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PopupHandle {
  close(): void;
  focus(): void;
}

export interface PopupDeps {
  /** Opens the popup window; `onUserClose` runs when the person closes it themselves. */
  open(approval: ApprovalView, bounds: Rect, onUserClose: () => void): PopupHandle;
  /** The usable area of the screen the popups go on (no task bar, no menu bar). */
  workArea(): Rect;
  notify(approval: ApprovalView): void;
}

export class PopupStack {
  private readonly open = new Map<string, { handle: PopupHandle; slot: number }>();
  /** Popups the person closed without deciding: never popped up again. */
  private readonly dismissed = new Set<string>();

  constructor(private readonly deps: PopupDeps) {}

  get openIds(): string[] {
    return [...this.open.keys()];
  }

  requested(a: ApprovalView): void {
    if (a.status !== 'pending' || this.open.has(a.id) || this.dismissed.has(a.id)) return;
    const slot = this.freeSlot();
    const handle = this.deps.open(a, this.boundsFor(slot), () => {
      this.open.delete(a.id);
      this.dismissed.add(a.id);
    });
    this.open.set(a.id, { handle, slot });
    this.deps.notify(a);
  }

  decided(id: string): void {
    this.dismissed.delete(id);
    const p = this.open.get(id);
    if (!p) return;
    this.open.delete(id);
    p.handle.close();
  }

  /** After a reconnect: the engine's pending list is the truth. */
  reconcile(pending: ApprovalView[]): void {
    const ids = new Set(pending.map((a) => a.id));
    for (const id of [...this.open.keys()]) if (!ids.has(id)) this.decided(id);
    for (const id of [...this.dismissed]) if (!ids.has(id)) this.dismissed.delete(id);
    for (const a of pending) this.requested(a);
  }

  /** The notification was clicked: bring that popup (or, if closed, nothing) forward. */
  focus(id: string): boolean {
    const p = this.open.get(id);
    p?.handle.focus();
    return p !== undefined;
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.decided(id);
  }

  private freeSlot(): number {
    const used = new Set([...this.open.values()].map((p) => p.slot));
    let slot = 0;
    while (used.has(slot)) slot++;
    return slot;
  }

  /** Top-right of the work area, each next popup a step down and to the left. */
  private boundsFor(slot: number): Rect {
    const area = this.deps.workArea();
    const step = slot % CASCADE_SLOTS;
    const width = Math.min(POPUP_WIDTH, area.width);
    const height = Math.min(POPUP_HEIGHT, area.height);
    return {
      x: Math.max(area.x, area.x + area.width - width - MARGIN - step * CASCADE),
      y: Math.min(area.y + MARGIN + step * CASCADE, area.y + Math.max(0, area.height - height)),
      width,
      height,
    };
  }
}
