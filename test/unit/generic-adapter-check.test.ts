import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { GenericSseAdapter } from '../../proxy/protocols/adapters/index.js';
import { SseAdapterTransform } from '../../proxy/protocols/index.js';

const masker = new Masker({ key: Buffer.alloc(32, 5) });
const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

/** Each event in its own chunk (a paced stream): every one goes through the adapter's per-event check. */
function run(events: string[]): string {
  const t = new SseAdapterTransform(new GenericSseAdapter({ masker }));
  const out: string[] = [];
  t.on('data', (b: Buffer | string) => out.push(b.toString()));
  for (const e of events) t.write(Buffer.from(e));
  t.end();
  return out.join('');
}

const tokenEvent = (i: number, content: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }], n: i, t: 1733300000000 + i })}\n\n`;

describe('GenericSseAdapter per-event keyword check on a paced stream', () => {
  it('masks a secret hidden behind a JSON \\u escape in a paced stream (a keyword check that skips the escape test fails here)', () => {
    const hidden = `data: {"choices":[{"delta":{"content":"x \\u0067hp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}}]}\n\n`;
    const out = run([tokenEvent(0, 'tok0 '), hidden, tokenEvent(2, 'tok2 ')]);
    expect(out).not.toContain('A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8');
    expect(out.startsWith(tokenEvent(0, 'tok0 '))).toBe(true);
    expect(out.endsWith(tokenEvent(2, 'tok2 '))).toBe(true);
  });

  it('masks a plain secret in the second event of a stream (a check state kept across events must still find it)', () => {
    const out = run([tokenEvent(0, 'tok0 '), tokenEvent(1, `token ${PAT}`), tokenEvent(2, 'tok2 ')]);
    expect(out).not.toContain(PAT);
    expect(out).toContain('tok2 ');
  });
});
