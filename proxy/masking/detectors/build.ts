/** Helpers to declare detectors compactly and consistently. */
import type { Detector } from '../detector.js';
import { looksLikeRealSecret } from '../entropy.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

export interface TokenSpec {
  id: string;
  description: string;
  /** Literal prefixes (case-sensitive). */
  prefixes: string[];
  /** Regex source for what follows the prefix (bounded repetitions only). */
  body: string;
  /** Characters a token of this kind is made of (closing boundary). Default [A-Za-z0-9_-]. */
  chars?: string;
  /** Characters that may not precede the prefix (default: `chars`). */
  leftChars?: string;
  priority?: number;
  validate?: Detector['validate'];
}

/** A token with a literal prefix, e.g. ghp_ + 36 alphanumerics. */
export function token(spec: TokenSpec): Detector {
  const chars = spec.chars ?? 'A-Za-z0-9_\\-';
  const alt = spec.prefixes.map(esc).join('|');
  return {
    id: spec.id,
    description: spec.description,
    // The literal prefix comes first so the regex engine can skip to it; the left-boundary
    // check is a look-behind placed after it (a leading look-behind is tried at every position).
    pattern: new RegExp(`(?<secret>(?:${alt})(?<=(?<![${spec.leftChars ?? chars}])(?:${alt}))${spec.body})(?![${chars}])`, 'gd'),
    keywords: [...new Set(spec.prefixes.map((p) => p.toLowerCase()))],
    prefixes: spec.prefixes,
    tokenChars: new RegExp(`[${chars}]`),
    priority: spec.priority ?? 50,
    validate: spec.validate ?? ((s) => !/EXAMPLE|XXXXXXXX|xxxxxxxx|YOUR_|your_|0000000000|\*\*\*/.test(s)),
  };
}

export interface ContextSpec {
  id: string;
  description: string;
  pattern: RegExp;
  keywords: string[];
  tail?: RegExp;
  hold?: Detector['hold'];
  reach?: number;
  unbroken?: boolean;
  priority?: number;
  validate?: Detector['validate'];
}

/** A value recognised by what surrounds it (a key name, a header, a URL scheme). */
export function contextual(spec: ContextSpec): Detector {
  if (!spec.pattern.flags.includes('g') || !spec.pattern.flags.includes('d')) throw new Error(`${spec.id}: pattern needs the g and d flags`);
  return {
    id: spec.id,
    description: spec.description,
    pattern: spec.pattern,
    keywords: spec.keywords.map((k) => k.toLowerCase()),
    ...(spec.tail ? { tail: spec.tail } : {}),
    ...(spec.hold ? { hold: spec.hold } : {}),
    ...(spec.reach ? { reach: spec.reach } : {}),
    ...(spec.unbroken ? { unbroken: true } : {}),
    priority: spec.priority ?? 40,
    validate: spec.validate ?? ((s) => looksLikeRealSecret(s)),
  };
}

/**
 * End of input, whatever the flags. Closing delimiters accept it too ("…(?:\"|END)"), so a
 * value that is still arriving in a stream matches at the end of the buffer and is held.
 */
export const END = String.raw`(?![\s\S])`;

/** `"value"`, `'value'`, `` `value` `` or a bare value, as alternatives s1..s4. */
export const QUOTED_VALUE =
  String.raw`(?:"(?<s1>[^"\n\\]{1,400})(?:"|${END})|'(?<s2>[^'\n\\]{1,400})(?:'|${END})|` +
  '`(?<s3>[^`\\n]{1,400})(?:`|' +
  END +
  ')' +
  String.raw`|(?<s4>[^\s"'` +
  '`' +
  String.raw`,;&<>()\[\]{}|\\]{1,400}))`;
