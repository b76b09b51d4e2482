/**
 * ClientTail keeps only a reference to the last chunk and reads its last bytes when a stream
 * must end early: `boundary()` must say the same as it would from the whole output, however
 * the output was cut into chunks (chunks shorter than four bytes included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientTail } from '../../proxy/intercept/stream-stages.js';

/** What boundary() means, read off the whole output: its last line end, and whether one comes right before it. */
function expected(text: string): string {
  if (text === '') return '';
  const end = /(\r\n|\n|\r)$/.exec(text);
  if (!end) return '\n\n';
  return /(\r\n|\n|\r)$/.test(text.slice(0, -end[1]!.length)) ? '' : '\n';
}

function tailOf(chunks: string[]): string {
  const t = new ClientTail(() => undefined);
  for (const c of chunks) t.saw(Buffer.from(c, 'latin1'));
  return t.boundary();
}

describe('ClientTail.boundary', () => {
  it('says what the whole output needs, for any chunking', async () => {
    const piece = fc.constantFrom('data: x', '\n', '\r', '\r\n', 'a', 'bc', ': ok', '\n\n', 'z');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(piece, { maxLength: 4 }).map((p) => p.join('')), { maxLength: 8 }), async (chunks) => {
        expect(tailOf(chunks)).toBe(expected(chunks.join('')));
      }),
      { numRuns: 500 },
    );
  });

  it('reads across short chunks', async () => {
    expect(tailOf(['data: 1\n', '\n'])).toBe('');
    expect(tailOf(['data: 1', '\n'])).toBe('\n');
    expect(tailOf(['data: 1\r\n\r', '\n'])).toBe('');
    expect(tailOf(['data: 1\n', '', 'x'])).toBe('\n\n');
    expect(tailOf(['d', 'a', '\n', '\n'])).toBe('');
    expect(tailOf([])).toBe('');
  });
});
