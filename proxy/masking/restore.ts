/**
 * The placeholder round trip: placeholders that this engine produced while masking a
 * request are turned back into their real values in the response bytes sent to the local
 * editor, so an agent's edit whose `oldString` quotes a masked value still applies.
 *
 * The ledger holds placeholder → secret in memory only (never on disk, in a log or in a
 * record), for one engine process (one device), bounded in time and size. A placeholder
 * whose 4-hex tag stands for two different secrets is marked and never restored; one the
 * engine did not produce (typed by the model, from another machine) is left as it is.
 * The editor had every restored value already: nothing new is disclosed to it, and
 * nothing new leaves the machine (restoration only ever runs on the way to the client).
 */
import type { MaskResult } from './masker.js';

/** A placeholder as the masker writes it: `[MASKED:<type>:<4 hex>]`. */
const PLACEHOLDER = /\[MASKED:[A-Za-z0-9_.-]{1,64}:[0-9a-f]{4}\]/g;
/** A text that could still grow into a placeholder (held back at a push's end). */
const PARTIAL = /\[(?:M(?:A(?:S(?:K(?:E(?:D(?::(?:[A-Za-z0-9_.-]{1,64}(?::[0-9a-f]{0,4})?)?)?)?)?)?)?)?)?$/;
/** Longest placeholder: what a restorer may hold back. */
const MAX_PLACEHOLDER = '[MASKED:'.length + 64 + ':0000]'.length;

export interface LedgerOptions {
  /** How long a placeholder stays restorable after the request that produced it (ms). Default 30 minutes. */
  ttlMs?: number;
  /** At most this many placeholders (oldest dropped first). Default 10,000. */
  maxEntries?: number;
  /** At most this many characters of secret values (oldest dropped first). Default 4 Mi. */
  maxChars?: number;
  now?: () => number;
}

export const LEDGER_DEFAULTS = { ttlMs: 30 * 60_000, maxEntries: 10_000, maxChars: 4 * 1024 * 1024 } as const;

interface Entry {
  /** null: the tag collided (two different secrets), never restored. */
  value: string | null;
  at: number;
}

export type Lookup = { kind: 'ours'; value: string } | { kind: 'collision' } | null;

export class PlaceholderLedger {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly now: () => number;

  constructor(opts: LedgerOptions = {}) {
    this.ttlMs = opts.ttlMs ?? LEDGER_DEFAULTS.ttlMs;
    this.maxEntries = opts.maxEntries ?? LEDGER_DEFAULTS.maxEntries;
    this.maxChars = opts.maxChars ?? LEDGER_DEFAULTS.maxChars;
    this.now = opts.now ?? Date.now;
  }

  /** The masker produced `placeholder` for `value` while masking a request. */
  record(placeholder: string, value: string) {
    const prev = this.entries.get(placeholder);
    const at = this.now();
    let next: Entry;
    if (prev && this.live(prev, at)) next = { value: prev.value === value ? value : null, at };
    else next = { value, at };
    if (prev) this.drop(placeholder, prev);
    if (next.value !== null && next.value.length > this.maxChars) return;
    this.entries.set(placeholder, next); // most recent last
    this.chars += next.value?.length ?? 0;
    this.evict(at);
  }

  lookup(placeholder: string): Lookup {
    const e = this.entries.get(placeholder);
    if (!e) return null;
    if (!this.live(e, this.now())) {
      this.drop(placeholder, e);
      return null;
    }
    return e.value === null ? { kind: 'collision' } : { kind: 'ours', value: e.value };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything (engine stop). */
  clear() {
    this.entries.clear();
    this.chars = 0;
  }

  /**
   * A masker face that records every secret it masks (for the request side only: a secret
   * found in model output never came from this machine's requests and is not restorable).
   */
  recording<M extends { mask(text: string): MaskResult }>(masker: M): M {
    const mask = (text: string): MaskResult => {
      const r = masker.mask(text);
      if (r.findings.length === 0) return r;
      // The masked text holds the placeholders in order; pair each with its secret.
      let pos = 0;
      let rpos = 0;
      for (const f of r.findings) {
        rpos += f.start - pos;
        const m = /^\[MASKED:[A-Za-z0-9_.-]{1,64}:[0-9a-f]{4}\]/.exec(r.text.slice(rpos));
        if (!m) break; // not the shape we know: restore nothing rather than pair wrongly
        this.record(m[0], text.slice(f.start, f.end));
        rpos += m[0].length;
        pos = f.end;
      }
      return r;
    };
    return Object.assign(Object.create(masker) as M, { mask });
  }

  /** How many placeholders in a (masked) text would be restored, and how many collide. */
  count(text: string): { restorable: number; collisions: number } {
    let restorable = 0;
    let collisions = 0;
    for (const m of text.matchAll(PLACEHOLDER)) {
      const l = this.lookup(m[0]);
      if (l?.kind === 'ours') restorable++;
      else if (l?.kind === 'collision') collisions++;
    }
    return { restorable, collisions };
  }

  private live(e: Entry, at: number) {
    return at - e.at <= this.ttlMs;
  }

  private drop(k: string, e: Entry) {
    this.entries.delete(k);
    this.chars -= e.value?.length ?? 0;
  }

  private evict(at: number) {
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars && this.live(e, at)) break;
      this.drop(k, e);
    }
  }
}

/** Restorations so far (one restorer, or summed over an exchange's restorers). */
export interface RestoreTally {
  restored: number;
  /** Placeholders of ours left as they are because their tag collided. */
  collisions: number;
}

/**
 * Restores one stream (a text channel, or a tool call's JSON arguments) across any
 * chunking: holds back at most one partial placeholder at the end of each push. In JSON
 * mode the value is written JSON-escaped (the text is the inside of JSON string values).
 * Work per push is proportional to the push plus the held-back tail.
 */
export class StreamRestorer implements RestoreTally {
  restored = 0;
  collisions = 0;
  private pending = '';

  constructor(
    private readonly ledger: PlaceholderLedger,
    private readonly json: boolean,
  ) {}

  push(text: string): string {
    if (!text) return '';
    const s = this.pending + text;
    this.pending = '';
    const open = s.indexOf('[');
    if (open < 0) return s;
    let out = '';
    let pos = 0;
    PLACEHOLDER.lastIndex = open;
    for (let m = PLACEHOLDER.exec(s); m; m = PLACEHOLDER.exec(s)) {
      out += s.slice(pos, m.index) + this.replace(m[0]);
      pos = m.index + m[0].length;
    }
    const rest = s.slice(pos);
    const tail = rest.lastIndexOf('[');
    if (tail >= 0 && rest.length - tail < MAX_PLACEHOLDER && PARTIAL.test(rest.slice(tail))) {
      this.pending = rest.slice(tail);
      return out + rest.slice(0, tail);
    }
    return out + rest;
  }

  /** The channel paused or ended: what is held back goes out as it is. */
  end(): string {
    const p = this.pending;
    this.pending = '';
    return p;
  }

  private replace(placeholder: string): string {
    const l = this.ledger.lookup(placeholder);
    if (l === null) return placeholder;
    if (l.kind === 'collision') {
      this.collisions++;
      return placeholder;
    }
    this.restored++;
    return this.json ? JSON.stringify(l.value).slice(1, -1) : l.value;
  }
}

/**
 * Restores every string of a whole JSON value (a buffered response). A string that is
 * itself JSON (tool-call arguments) is restored inside and re-encoded. Returns the same
 * value when nothing was restored.
 */
export function restoreDeep<T>(value: T, ledger: PlaceholderLedger, tally: RestoreTally): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('[MASKED:')) return v;
      const t = v.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(v);
          const inner = visit(parsed);
          return inner === parsed ? v : JSON.stringify(inner);
        } catch {
          // not JSON: restore as text
        }
      }
      const r = new StreamRestorer(ledger, false);
      const out = r.push(v) + r.end();
      tally.restored += r.restored;
      tally.collisions += r.collisions;
      return out;
    }
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((x) => {
        const y = visit(x);
        if (y !== x) changed = true;
        return y;
      });
      return changed ? out : v;
    }
    if (v && typeof v === 'object') {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const y = visit(x);
        if (y !== x) changed = true;
        out[k] = y;
      }
      return changed ? out : v;
    }
    return v;
  };
  return visit(value) as T;
}
