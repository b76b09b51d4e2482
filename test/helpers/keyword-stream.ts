/** Streams for the carried keyword scan's tests (keyword-carry*.test.ts). */
import { KeywordCarry } from '../../proxy/masking/keyword-carry.js';

/**
 * Pushes `text` in pieces of `cuts` (cycled) into a buffer whose front moves as the streaming
 * masker's does (only the last `keep` characters, and a step more, stay), calling `each` after
 * every push with the carry (a fresh one unless given), the buffer, the push's size and its number.
 */
export function streamInto(text: string, cuts: number[], keep: number, each: (carry: KeywordCarry, buf: string, n: number, k: number) => void, carry = new KeywordCarry()): void {
  let buf = '';
  let at = 0;
  for (let k = 0; at < text.length; k++) {
    const n = cuts[k % cuts.length]!;
    buf += text.slice(at, at + n);
    at += n;
    if (buf.length > keep + 64) {
      const drop = buf.length - keep;
      carry.base += drop;
      buf = buf.slice(drop);
    }
    each(carry, buf, n, k);
  }
}
