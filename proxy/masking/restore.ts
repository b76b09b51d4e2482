/**
 * The placeholder round trip. Request masking sends `[MASKED:stripe-secret-key:2149]`
 * upstream; a model that saw only the placeholder answers with it (an edit's `oldString`,
 * code around the value, a quote). For the local editor, which had the secret already, the
 * placeholders this engine produced are turned back into the real values in the response;
 * nothing new leaves the machine and nothing new is disclosed to the editor.
 *
 * PlaceholderLedger: which placeholders this engine produced while masking requests, and
 * their values. In memory only (never on disk, in a log or in a record), one per device,
 * bounded in time (an entry lives `ttlMs` after it was last recorded) and in size (entries
 * and characters of values; the least recently recorded go first). A placeholder whose tag
 * stood for two different values (the 4-hex tag collided) is kept as unrestorable.
 *
 * Restorer: a streaming replacement over one text channel (content, reasoning, one tool
 * call's argument string), across any chunking. In `json` mode the text is the inside of a
 * JSON string (tool-call argument deltas are JSON text), so values are inserted JSON-escaped.
 * Placeholders the ledger does not know (typed by the model, from another machine) pass
 * unchanged. Pure: no I/O; time comes from the `now` option.
 */
import type { Masker, MaskResult } from './masker.js';

export interface LedgerOptions {
  /** How long an entry lives after it was last recorded (ms). Default 30 minutes. */
  ttlMs?: number;
  /** At most this many placeholders. Default 2048. */
  maxEntries?: number;
  /** At most this many characters of values in all. Default 1,000,000. */
  maxChars?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

interface Entry {
  /** null: the tag stood for two different values (unrestorable). */
  value: string | null;
  expires: number;
}

export const LEDGER_DEFAULTS = { ttlMs: 30 * 60_000, maxEntries: 2048, maxChars: 1_000_000 } as const;

/** What a placeholder stands for: its value, 'collision' (not restorable), or undefined (not ours, or expired). */
export type Lookup = { value: string } | 'collision' | undefined;

export class PlaceholderLedger {
  /** By placeholder, least recently recorded first. */
  private readonly entries = new Map<string, Entry>();
  private valueChars = 0;
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

  /** Notes that masking produced `placeholder` for `value`. */
  record(placeholder: string, value: string): void {
    if (value.length > this.maxChars) return; // could never be kept: stays a placeholder
    const now = this.now();
    this.prune(now);
    const old = this.entries.get(placeholder);
    let stored: string | null = value;
    if (old) {
      this.drop(placeholder, old);
      // Two different secrets behind one tag: neither can be told apart, so neither is restored.
      if (old.value === null || old.value !== value) stored = null;
    }
    this.entries.set(placeholder, { value: stored, expires: now + this.ttlMs });
    this.valueChars += stored?.length ?? 0;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.valueChars <= this.maxChars) break;
      this.drop(k, e);
    }
  }

  /** Records every finding of a masking result (`original` is the text that was masked). */
  recordMasked(masker: Masker, original: string, result: MaskResult): void {
    for (const f of result.findings) {
      const value = original.slice(f.start, f.end);
      this.record(masker.placeholder(f.type, value), value);
    }
  }

  lookup(placeholder: string): Lookup {
    const e = this.entries.get(placeholder);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.drop(placeholder, e);
      return undefined;
    }
    return e.value === null ? 'collision' : { value: e.value };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Characters of values held. */
  get chars(): number {
    return this.valueChars;
  }

  clear(): void {
    this.entries.clear();
    this.valueChars = 0;
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.valueChars -= e.value?.length ?? 0;
  }

  /** Drops expired entries from the oldest on (entries are in order of their last record, so of expiry). */
  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.expires > now) break;
      this.drop(k, e);
    }
  }
}

/** One ledger per device, created on first use; a device's placeholders never restore for another. */
export class PlaceholderLedgers {
  private readonly byDevice = new Map<string, PlaceholderLedger>();
  constructor(private readonly opts: LedgerOptions = {}) {}

  forDevice(deviceId: string): PlaceholderLedger {
    let l = this.byDevice.get(deviceId);
    if (!l) this.byDevice.set(deviceId, (l = new PlaceholderLedger(this.opts)));
    return l;
  }

  clear(): void {
    for (const l of this.byDevice.values()) l.clear();
    this.byDevice.clear();
  }
}

/** A whole placeholder. Types are detector ids (lower-case, digits, dashes). */
export const PLACEHOLDER = /\[MASKED:[a-z0-9-]{1,64}:[0-9a-f]{4}\]/g;
const MAX_PLACEHOLDER = '[MASKED:'.length + 64 + ':'.length + 4 + ']'.length;
const OPEN = '[MASKED:';

/** Whether `s` (starting with "[") could still grow into a placeholder. */
function couldBePlaceholder(s: string): boolean {
  if (s.length > MAX_PLACEHOLDER) return false;
  if (s.length <= OPEN.length) return OPEN.startsWith(s);
  if (!s.startsWith(OPEN)) return false;
  return /^\[MASKED:[a-z0-9-]{0,64}(?::[0-9a-f]{0,4})?$/.test(s);
}

export interface Restorer {
  /** Adds text; returns what may be forwarded now, placeholders of ours restored. */
  push(text: string): string;
  /** End of the channel: the rest. */
  end(): string;
  /** Placeholders restored so far. */
  readonly restored: number;
  /** Placeholders of ours left as they are because their tag collided. */
  readonly unrestorable: number;
}

/**
 * A restorer for one text channel. Holds back at most a partial placeholder at the end of
 * what has arrived (under 80 characters), so the text flows as it comes.
 */
export function createRestorer(ledger: PlaceholderLedger, opts: { json?: boolean } = {}): Restorer {
  let pending = '';
  let restored = 0;
  let unrestorable = 0;
  const encode = opts.json ? (v: string) => JSON.stringify(v).slice(1, -1) : (v: string) => v;

  const replace = (text: string): string =>
    text.replace(PLACEHOLDER, (p) => {
      const hit = ledger.lookup(p);
      if (hit === undefined) return p;
      if (hit === 'collision') {
        unrestorable++;
        return p;
      }
      restored++;
      return encode(hit.value);
    });

  return {
    push(text: string): string {
      if (text.length === 0) return '';
      const all = pending + text;
      // Hold from the last "[" whose rest could still become a placeholder.
      let cut = all.length;
      const last = all.lastIndexOf('[', all.length - 1);
      if (last >= 0 && all.length - last <= MAX_PLACEHOLDER && couldBePlaceholder(all.slice(last))) cut = last;
      pending = all.slice(cut);
      return replace(all.slice(0, cut));
    },
    end(): string {
      const rest = pending;
      pending = '';
      return replace(rest);
    },
    get restored() {
      return restored;
    },
    get unrestorable() {
      return unrestorable;
    },
  };
}
