/**
 * What a secret detector is. A detector is a regular expression over decoded text plus
 * what the streaming masker needs to know to hold back no more than necessary.
 * Detectors never see bytes, only text; they must be safe on any input (no catastrophic
 * backtracking: every repetition is bounded).
 */
export interface Detector {
  /** Placeholder type, e.g. "github-pat" → [MASKED:github-pat:1a2b]. */
  readonly id: string;
  readonly description: string;
  /**
   * Global regex (flags must include g and d). The secret is the named group `secret`, or
   * the first defined group among `s1`..`s4`, or the whole match.
   */
  readonly pattern: RegExp;
  /**
   * Lower-case literals, one of which must occur in the text for the pattern to be worth
   * running (a prefilter for throughput). Empty = always run.
   */
  readonly keywords: readonly string[];
  /**
   * Keywords are context that may lie far before the match (e.g. `kind: Secret`), so the
   * prefilter must look at the whole text, not only near the match.
   */
  readonly contextKeywords?: boolean;
  /**
   * A cheap test on the whole text: when it says no, no match could pass validate(), so
   * the search is skipped (e.g. Kubernetes Secret values need a `kind: Secret` document).
   * A stream skips the search for candidates in progress too: a detector whose test may turn
   * true as more text arrives holds what it needs with its own hold hook (kubernetes-secret
   * holds a document's data: block until its kind is known).
   */
  applies?(text: string): boolean;
  /** Literal token prefixes (case-sensitive), for streaming hold-back of partial tokens. */
  readonly prefixes?: readonly string[];
  /** Characters that may follow a prefix inside a token (for hold-back). */
  readonly tokenChars?: RegExp;
  /**
   * A regex anchored at the end ($) that matches a match still in progress (e.g. a key name
   * whose value has not arrived yet). Its match start is held back in streaming.
   */
  readonly tail?: RegExp;
  /**
   * No match, and no match of `tail`, contains white space (JavaScript's \s): a candidate
   * still in progress at the end of a stream lies after its last white space, so the streaming
   * hold-back looks for one only there. (The hold-back's reference search ignores this, and a
   * test holds the two equal.)
   */
  readonly unbroken?: boolean;
  /**
   * Extra streaming hold for context that arrives after the value (e.g. `kind: Secret`
   * below a YAML `data:` block, "<value> is my API key"): the position from which to hold,
   * or null. `from` is where the text not yet forwarded starts (a hold before it is moot).
   * Must be bounded by what could still complete a match, so a stream never stalls on
   * text that can no longer become a secret, and cheap: it runs on every streamed chunk.
   * `memo` is the hook's own state for one stream (absent: read the whole text).
   */
  hold?(text: string, from: number, memo?: HoldMemo): number | null;
  /**
   * The hook reads only lines that begin with one of these words (each given with the line
   * break before it, matched case-insensitively): a stream that finds them in its carried
   * keyword scan passes where they occur (HoldMemo.lines), so the hook need not find every
   * line break itself.
   */
  readonly holdLines?: readonly string[];
  /** Rejects matches that only look like secrets (placeholders, references, low entropy). */
  validate?(secret: string, context: ValidateContext): boolean;
  /**
   * How far before the text still arriving a match may start (its key name, command or
   * element) when nothing held that context back: a stream searches this far back.
   * Default SHORT_REACH; long-context patterns (an XML element's attributes, a command
   * line before `-p`) say more.
   */
  readonly reach?: number;
  /** Higher wins when two findings overlap (specific formats beat generic assignments). */
  readonly priority: number;
}

/** Default Detector.reach: key names and separators are shorter than this. */
export const SHORT_REACH = 64;

export interface ValidateContext {
  text: string;
  /** Secret span. */
  start: number;
  end: number;
  /** Where the whole regex match starts (e.g. the key name of an assignment). */
  matchStart?: number;
}


/** A hold hook's state for one stream: `base` is the absolute offset of text[0] (the stream keeps only a window). */
export interface HoldMemo {
  base: number;
  state?: unknown;
  /** State the stream's hooks share (the same object in each of its memos), keyed by hook family. */
  shared?: Record<string, unknown>;
  /**
   * Where the detector's holdLines occur (absolute offsets of their line breaks, ascending),
   * each at least once from where the hook last read on; the hook drops those it has read
   * past. Absent: the stream does not find them, and the hook reads every line itself.
   */
  lines?: number[];
}
