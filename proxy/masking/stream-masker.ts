/**
 * Streaming masking of one text stream (one choice's content, one tool call's argument
 * string): push text as it arrives, get back the part that is safe to forward now.
 *
 * Only a suffix that could still grow into a secret is held back:
 *  - a detector match that reaches the end of what we have (the token may continue);
 *  - a detector's "in progress" tail (a key name waiting for its value, "-----BEGIN …",
 *    "Bearer ", "scheme://user:…");
 *  - a trailing word that is, or could become, a known token prefix ("gh", "ghp_abc…");
 *  - a value that the words arriving after it may still call a secret ("<value> is my
 *    Stripe k…"), for as long as they may: the detectors' hold hooks.
 * Once a value has ended and nothing after it can still make it (or what follows) a
 * secret, the text is released in the same push.
 * Already forwarded text stays in a look-behind window so that context ("password: ")
 * still applies to a value that arrives later. Text is never dropped, duplicated or
 * reordered; flush() releases the rest at the end.
 */
import type { Masker } from './masker.js';
import { openCandidateStart, scanOpen, type Finding } from './scan.js';

const LOOKBEHIND = 4096;
/**
 * Matches are searched from this many characters before the pending text (key names,
 * "Bearer ", URL schemes precede their secret by less); look-behinds and validators still
 * see the whole LOOKBEHIND window.
 */
const CONTEXT_MARGIN = 512;
const TAIL_WINDOW = 600;
/** A held suffix longer than this is released anyway (masked as far as it can be). */
const MAX_HOLD = 64 * 1024;


export class StreamingMasker {
  /** Text already forwarded (only the last LOOKBEHIND chars are kept). */
  private emitted = '';
  /** Absolute offset of emitted[0] in the input stream. */
  private emittedBase = 0;
  private pending = '';
  /** Absolute offset of pending[0]. */
  private pendingBase = 0;
  readonly findings: Finding[] = [];
  constructor(private readonly masker: Masker) {}

  /** Adds text; returns the masked text that may be forwarded now (possibly ""). */
  push(text: string): string {
    if (text.length === 0) return '';
    this.pending += text;
    return this.release(false);
  }

  /** End of stream: everything left, masked. */
  flush(): string {
    return this.release(true);
  }

  /** Characters held back right now. */
  get held(): number {
    return this.pending.length;
  }

  private release(final: boolean): string {
    const window = this.emitted + this.pending;
    const windowBase = this.emittedBase;
    const offsetInWindow = this.emitted.length; // where pending starts in window
    const { findings: all, openFrom } = scanOpen(window, this.masker.detectors, Math.max(0, offsetInWindow - CONTEXT_MARGIN));
    // Findings inside already-forwarded text were decided earlier; one that reaches into
    // the pending text is masked from there on.
    const findings = all.filter((f) => f.end > offsetInWindow).map((f) => (f.start < offsetInWindow ? { ...f, start: offsetInWindow } : f));

    let holdAt = window.length;
    if (!final) {
      holdAt = Math.min(this.holdPoint(window, offsetInWindow, findings), Math.max(openFrom, offsetInWindow));
      if (window.length - holdAt > MAX_HOLD) holdAt = window.length - MAX_HOLD;
    }
    // A finding straddling the hold point is held whole.
    for (const f of findings) if (f.start < holdAt && f.end > holdAt) holdAt = f.start;

    const released = findings.filter((f) => f.end <= holdAt);
    const out = this.masker.apply(window.slice(offsetInWindow, holdAt), released, offsetInWindow);
    for (const f of released) this.findings.push({ ...f, start: f.start + windowBase, end: f.end + windowBase });

    const forwarded = window.slice(offsetInWindow, holdAt);
    this.emitted += forwarded;
    if (this.emitted.length > LOOKBEHIND) {
      const drop = this.emitted.length - LOOKBEHIND;
      this.emitted = this.emitted.slice(drop);
      this.emittedBase += drop;
    }
    this.pending = window.slice(holdAt);
    this.pendingBase = windowBase + holdAt;
    return out;
  }

  /** The earliest position (in window) from which text could still become part of a secret. */
  private holdPoint(window: string, pendingStart: number, findings: Finding[]): number {
    let hold = window.length;
    const end = window.length;
    for (const f of findings) if (f.end >= end) hold = Math.min(hold, f.start);

    const tailFrom = Math.max(pendingStart, end - TAIL_WINDOW);
    // Partial candidates: a value shorter than its detector's minimum so far, a token
    // prefix followed by too few characters, a key whose value has not started yet.
    // Context after a value ("<value> is my API key") is each detector's own hold: held
    // only while the words after the value may still become that phrase.
    hold = Math.min(hold, openCandidateStart(window, this.masker.detectors, pendingStart, TAIL_WINDOW));
    for (const d of this.masker.detectors) {
      const h = d.hold?.(window, pendingStart);
      if (h !== null && h !== undefined) hold = Math.min(hold, Math.max(h, pendingStart));
    }

    // The trailing fragment of a word is held until the word ends: it may be the start
    // of a token. Complete ordinary words are not held.
    let runStart = end;
    while (runStart > tailFrom && /[A-Za-z0-9_\-+/=~.]/.test(window[runStart - 1]!)) runStart--;
    if (runStart < end) hold = Math.min(hold, runStart);

    return Math.max(hold, pendingStart);
  }
}

